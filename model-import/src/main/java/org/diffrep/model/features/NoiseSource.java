package org.diffrep.model.features;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the ε of q_sample comes from. {@link #perImage} gives every (image, t) its own fixed noise,
 * so features are reproducible whatever the batch composition; {@link #fresh} draws new noise on
 * every call, as the official code does (evaluation then becomes slightly stochastic).
 */
@FunctionalInterface
public interface NoiseSource {

    /**
     * @param sampleShape shape of one image [C, H, W]
     * @param imageIds    a stable id per image of the batch (e.g. its dataset index)
     * @param t           the timestep the noise is for
     * @return [N, C, H, W] standard normal noise
     */
    INDArray noise(long[] sampleShape, long[] imageIds, int t);

    static NoiseSource perImage(long seed) {
        return (shape, ids, t) -> draw(shape, ids, i -> mix(seed, ids[i], t));
    }

    static NoiseSource fresh(long seed) {
        AtomicLong calls = new AtomicLong();
        return (shape, ids, t) -> {
            long call = calls.getAndIncrement();
            return draw(shape, ids, i -> mix(seed, call * 1_000_003L + i, t));
        };
    }

    private static INDArray draw(long[] shape, long[] ids, java.util.function.IntToLongFunction seedOf) {
        int per = Math.toIntExact(shape[0] * shape[1] * shape[2]);
        float[] values = new float[per * ids.length];
        for (int i = 0; i < ids.length; i++) {
            Random r = new Random(seedOf.applyAsLong(i));
            for (int k = 0; k < per; k++) values[i * per + k] = (float) r.nextGaussian();
        }
        return Nd4j.createFromArray(values).reshape(ids.length, shape[0], shape[1], shape[2]);
    }

    /** SplitMix64-style mixing so nearby (seed, id, t) give unrelated streams. */
    private static long mix(long seed, long id, int t) {
        long z = seed * 0x9E3779B97F4A7C15L + id * 0xBF58476D1CE4E5B9L + (t + 1L) * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
