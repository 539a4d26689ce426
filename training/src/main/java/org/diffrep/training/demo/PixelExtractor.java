package org.diffrep.training.demo;

import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.training.cache.FeatureExtractor;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

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
    public Map<Tap, INDArray> extract(INDArray x0, long[] ids, Collection<Tap> taps, IntFunction<Pooling> poolingOfBlock, NoiseSource noise) {
        Map<Tap, INDArray> out = new LinkedHashMap<>();
        for (Tap tap : taps) {
            if (tap.block() != BLOCK) throw new IllegalArgumentException("raw pixels are block " + BLOCK + ", not " + tap.block());
            out.put(tap, poolingOfBlock.apply(BLOCK).poolMaps(x0));
        }
        return out;
    }
}
