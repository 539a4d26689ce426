package org.diffrep.tuning;

import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.training.cache.FeatureExtractor;
import org.diffrep.training.cache.ForwardingExtractor;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;
import java.util.function.IntFunction;

/** A {@link FeatureExtractor} that counts and times the backbone forwards it passes on: the sweep's cost report. */
public final class CountingExtractor extends ForwardingExtractor {

    private long calls;
    private long images;
    private long nanos;

    public CountingExtractor(FeatureExtractor inner) {
        super(inner);
    }

    @Override
    public Map<Tap, INDArray> extract(INDArray x0, long[] ids, Collection<Tap> taps, IntFunction<Pooling> poolingOfBlock, NoiseSource noise) {
        long start = System.nanoTime();
        Map<Tap, INDArray> out = inner.extract(x0, ids, taps, poolingOfBlock, noise);
        nanos += System.nanoTime() - start;
        calls++;
        images += x0.size(0) * taps.stream().map(Tap::t).distinct().count();
        return out;
    }

    /** Backbone forwards (one per batch). */
    public long calls() {
        return calls;
    }

    /** Noised images the backbone processed (image × t). */
    public long images() {
        return images;
    }

    public double seconds() {
        return nanos / 1e9;
    }
}
