package org.diffrep.training.heads;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * One block's features as a head sees them: [T·N, channels, side, side], the T noise steps of the
 * head's t-list stacked along the batch axis (all N samples of the first t, then the next t), which
 * is how a single U-Net forward over the stacked noised batch produces them.
 *
 * @param block    the U-Net block (1-based)
 * @param channels channels of the block
 * @param side     side of {@code value}: the block's native side, or smaller when it was pooled before
 *                 (cached features)
 * @param value    the graph variable
 */
public record FeatureInput(int block, int channels, int side, SDVariable value) {}
