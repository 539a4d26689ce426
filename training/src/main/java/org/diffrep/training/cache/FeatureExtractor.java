package org.diffrep.training.cache;

import org.diffrep.model.features.NoiseSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/** Block features of noised images, as the cache fills itself; the real one runs the frozen U-Net. */
public interface FeatureExtractor {

    /** Model and checkpoint identity for cache keys. */
    String model();

    String checkpoint();

    int channels(int block);

    int side(int block);

    /**
     * @return per block, [T·N, C, S_b, S_b] with the T noise steps stacked t-major
     */
    Map<Integer, INDArray> extract(INDArray x0, long[] ids, List<Integer> timesteps, List<Integer> blocks, NoiseSource noise);
}
