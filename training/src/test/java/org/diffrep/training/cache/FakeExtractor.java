package org.diffrep.training.cache;

import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    public Map<Integer, INDArray> extract(INDArray x0, long[] ids, List<Integer> timesteps, List<Integer> blocks, NoiseSource noise) {
        calls++;
        long n = x0.size(0);
        Map<Integer, INDArray> out = new LinkedHashMap<>();
        for (int b : blocks) {
            List<INDArray> perT = new ArrayList<>();
            for (int t : timesteps) {
                INDArray noisy = x0.add(noise.noise(new long[]{3, x0.size(2), x0.size(3)}, ids, t).mul(t / 1000.0));
                INDArray pooled = Pooling.avg(4).apply(noisy).reshape(n, 3, 4, 4);
                INDArray maps = Nd4j.concat(1, pooled, pooled.mul(2), pooled.mul(-1)).get(
                        org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8));
                perT.add(maps.mul(b).dup());
            }
            out.put(b, Nd4j.concat(0, perT.toArray(new INDArray[0])));
        }
        return out;
    }
}
