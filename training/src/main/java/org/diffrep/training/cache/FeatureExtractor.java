package org.diffrep.training.cache;

import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.model.features.TapShape;
import org.diffrep.model.runtime.MemoryNeed;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Tap features of noised images as the cache fills itself: the real one runs the frozen U-Net
 * through {@link org.diffrep.model.features.FeatureTaps}; stand-ins (raw pixels, test fakes) follow
 * the same contract.
 */
public interface FeatureExtractor {

    /** Model and checkpoint identity for cache keys. */
    String model();

    String checkpoint();

    /** Channels of a block's native map. */
    int channels(int block);

    /** Side of a block's native map. */
    int side(int block);

    /** What {@link #extract} returns for a block under a pooling. */
    default TapShape shape(int block, Pooling pooling) {
        return new TapShape(channels(block), pooling.outputSide(side(block)));
    }

    /**
     * A lower bound of the memory one forward of {@code images} images needs, for extractors that run a
     * network whose layout they know; empty for stand-ins (raw pixels, test fakes).
     */
    default Optional<MemoryNeed> forwardNeed(int images) {
        return Optional.empty();
    }

    /**
     * @return per tap, in the order of {@code taps}: [N, C, s, s] as {@link #shape} says
     */
    Map<Tap, INDArray> extract(INDArray x0, long[] ids, Collection<Tap> taps, IntFunction<Pooling> poolingOfBlock, NoiseSource noise);
}
