package org.diffrep.training.cache;

import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.model.runtime.MemoryNeed;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * A {@link FeatureExtractor} that hands everything to another one. Wrappers that count, serialize
 * or interrupt the backbone's forwards extend it and override only {@link #extract}, so the identity
 * they report (model, checkpoint, map sizes), and with it the cache key, is always the wrapped one's.
 */
public abstract class ForwardingExtractor implements FeatureExtractor {

    protected final FeatureExtractor inner;

    protected ForwardingExtractor(FeatureExtractor inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    @Override
    public String model() {
        return inner.model();
    }

    @Override
    public String checkpoint() {
        return inner.checkpoint();
    }

    @Override
    public int channels(int block) {
        return inner.channels(block);
    }

    @Override
    public int side(int block) {
        return inner.side(block);
    }

    @Override
    public Optional<MemoryNeed> forwardNeed(int images) {
        return inner.forwardNeed(images);
    }

    @Override
    public Map<Tap, INDArray> extract(INDArray x0, long[] ids, Collection<Tap> taps, IntFunction<Pooling> poolingOfBlock, NoiseSource noise) {
        return inner.extract(x0, ids, taps, poolingOfBlock, noise);
    }
}
