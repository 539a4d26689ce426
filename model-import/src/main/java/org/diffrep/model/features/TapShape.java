package org.diffrep.model.features;

import org.diffrep.model.unet.UNetLayout;

/**
 * What a tap delivers (timm's {@code feature_info}): channels and side of its map [N, C, S, S] after
 * pooling, read from the {@link UNetLayout} without running anything.
 */
public record TapShape(int channels, int side) {

    /** The shape of block {@code block}'s output for images of side {@code imageSize}, after {@code pooling}. */
    public static TapShape of(UNetLayout layout, int imageSize, int block, Pooling pooling) {
        UNetLayout.Block b = layout.block(block);
        return new TapShape(b.outChannels(), pooling.outputSide(b.side(imageSize)));
    }

    /** Floats per image: C·S·S. */
    public long featureLength() {
        return (long) channels * side * side;
    }
}
