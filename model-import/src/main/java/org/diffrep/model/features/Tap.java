package org.diffrep.model.features;

/**
 * A feature tap: the output of U-Net block {@code block} (1-based; 0 stands for the input images
 * themselves, the raw-pixel baseline) when the network runs on images noised to step {@code t}.
 * Every feature map in diffrep, in memory or in the cache, is keyed by one.
 */
public record Tap(int t, int block) {

    public Tap {
        if (t < 0) throw new IllegalArgumentException("noise step t must be >= 0, got " + t);
        if (block < 0) throw new IllegalArgumentException("block must be >= 1, got " + block);
    }

    @Override
    public String toString() {
        return "t" + t + "_b" + block;
    }
}
