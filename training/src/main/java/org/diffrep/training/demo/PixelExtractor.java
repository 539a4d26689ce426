package org.diffrep.training.demo;

import org.diffrep.model.features.NoiseSource;
import org.diffrep.training.cache.FeatureExtractor;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * The clean input images as "block 0 features", so the raw-pixel baseline goes through exactly the
 * cache, standardisation, head and trainer that the U-Net features go through.
 */
final class PixelExtractor implements FeatureExtractor {

    static final int BLOCK = 0;
    private final int channels;
    private final int side;

    PixelExtractor(int channels, int side) {
        this.channels = channels;
        this.side = side;
    }

    @Override
    public String model() {
        return "raw-pixels";
    }

    @Override
    public String checkpoint() {
        return "none";
    }

    @Override
    public int channels(int block) {
        return channels;
    }

    @Override
    public int side(int block) {
        return side;
    }

    @Override
    public Map<Integer, INDArray> extract(INDArray x0, long[] ids, List<Integer> timesteps, List<Integer> blocks, NoiseSource noise) {
        return Map.of(BLOCK, x0);
    }
}
