package org.diffrep.training.cache;

import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

/** A cheap stand-in for the U-Net: noised images average-pooled to 4×4 and spread over 8 channels; counts its calls. */
public final class FakeExtractor implements FeatureExtractor {
    public int calls;

    @Override
    public String model() {
        return "fake";
    }

    @Override
    public String checkpoint() {
        return "none";
    }

    @Override
    public int channels(int block) {
        return 8;
    }

    @Override
    public int side(int block) {
        return 4;
    }

    @Override
    public Map<Tap, INDArray> extract(INDArray x0, long[] ids, Collection<Tap> taps, IntFunction<Pooling> poolingOfBlock, NoiseSource noise) {
        calls++;
        long n = x0.size(0);
        Map<Tap, INDArray> out = new LinkedHashMap<>();
        for (Tap tap : taps) {
            INDArray noisy = x0.add(noise.noise(new long[]{3, x0.size(2), x0.size(3)}, ids, tap.t()).mul(tap.t() / 1000.0));
            INDArray pooled = Pooling.avg(4).apply(noisy).reshape(n, 3, 4, 4);
            INDArray maps = Nd4j.concat(1, pooled, pooled.mul(2), pooled.mul(-1)).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 8));
            out.put(tap, poolingOfBlock.apply(tap.block()).poolMaps(maps.mul(tap.block()).dup()));
        }
        return out;
    }
}
