package org.diffrep.datasets;

/**
 * How images become network input: short side resized to {@code imageSize}, centre crop of
 * {@code imageSize} x {@code imageSize}, random horizontal flip when {@code train}, RGB, NCHW,
 * pixel p mapped to p / 127.5 - 1 in [-1, 1].
 *
 * @param imageSize        output side S (256 for the ADM U-Net, 32 for the demo model)
 * @param channels         3 (RGB; grayscale replicated) or 1 (luma; keeps Fashion-MNIST single-channel)
 * @param train            random horizontal flip with p = 0.5
 * @param randomScaleCrop  the official code's training crop instead of the paper's centre crop:
 *                         short side drawn from [S, ceil(S / 0.8)], random S x S crop (train only)
 * @param interpolation    resampling of the short-side resize
 * @param fastJpegDownscale decode JPEGs at 1/2, 1/4 or 1/8 scale (libjpeg DCT scaling) when the image
 *                         is at least twice S; this replaces the equal number of 2x box halvings the
 *                         official code does before its resize, and makes decoding several times faster
 * @param batchSize        images per batch
 * @param threads          background decode threads
 * @param prefetchBatches  batches decoded ahead of the consumer
 * @param seed             seeds shuffling, flips and random crops; each epoch derives its own stream
 * @param shuffle          reshuffle the sample order every epoch
 * @param dropLast         drop the last incomplete batch
 * @param maxBadFraction   unreadable images tolerated, as a fraction of the split, before the run fails
 * @param segmentation     mmseg's segmentation pipeline instead of the geometry above (null: the above); it
 *                         decides scale, crop and flip itself, so {@code randomScaleCrop}, {@code interpolation}
 *                         and {@code fastJpegDownscale} do not apply
 */
public record LoaderOptions(int imageSize, int channels, boolean train, boolean randomScaleCrop,
                            Interpolation interpolation, boolean fastJpegDownscale, int batchSize, int threads,
                            int prefetchBatches, long seed, boolean shuffle, boolean dropLast, double maxBadFraction,
                            SegmentationOptions segmentation) {

    public static final double DEFAULT_MAX_BAD_FRACTION = 0.01;

    public LoaderOptions {
        if (imageSize < 1) {
            throw new IllegalArgumentException("imageSize must be positive: " + imageSize);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3: " + channels);
        }
        if (batchSize < 1 || threads < 1 || prefetchBatches < 1) {
            throw new IllegalArgumentException("batchSize, threads and prefetchBatches must be positive");
        }
        if (!(maxBadFraction >= 0 && maxBadFraction <= 1)) {
            throw new IllegalArgumentException("maxBadFraction must be in [0, 1]: " + maxBadFraction);
        }
    }

    /** Evaluation settings (no flip, no shuffle, keep the last batch) for the given output size. */
    public static LoaderOptions evaluation(int imageSize) {
        return new LoaderOptions(imageSize, 3, false, false, Interpolation.BICUBIC, true, 32,
                Math.min(8, Runtime.getRuntime().availableProcessors()), 4, 0, false, false,
                DEFAULT_MAX_BAD_FRACTION, null);
    }

    /** Training settings: flip, reshuffle each epoch, drop the last incomplete batch. */
    public static LoaderOptions training(int imageSize, long seed) {
        return evaluation(imageSize).withTrain(true).withShuffle(true).withDropLast(true).withSeed(seed);
    }

    public LoaderOptions withImageSize(int v) {
        return new LoaderOptions(v, channels, train, randomScaleCrop, interpolation, fastJpegDownscale, batchSize,
                threads, prefetchBatches, seed, shuffle, dropLast, maxBadFraction, segmentation);
    }

    public LoaderOptions withChannels(int v) {
        return new LoaderOptions(imageSize, v, train, randomScaleCrop, interpolation, fastJpegDownscale, batchSize,
                threads, prefetchBatches, seed, shuffle, dropLast, maxBadFraction, segmentation);
    }

    public LoaderOptions withTrain(boolean v) {
        return new LoaderOptions(imageSize, channels, v, randomScaleCrop, interpolation, fastJpegDownscale, batchSize,
                threads, prefetchBatches, seed, shuffle, dropLast, maxBadFraction, segmentation);
    }

    public LoaderOptions withRandomScaleCrop(boolean v) {
        return new LoaderOptions(imageSize, channels, train, v, interpolation, fastJpegDownscale, batchSize,
                threads, prefetchBatches, seed, shuffle, dropLast, maxBadFraction, segmentation);
    }

    public LoaderOptions withInterpolation(Interpolation v) {
        return new LoaderOptions(imageSize, channels, train, randomScaleCrop, v, fastJpegDownscale, batchSize,
                threads, prefetchBatches, seed, shuffle, dropLast, maxBadFraction, segmentation);
    }

    public LoaderOptions withFastJpegDownscale(boolean v) {
        return new LoaderOptions(imageSize, channels, train, randomScaleCrop, interpolation, v, batchSize,
                threads, prefetchBatches, seed, shuffle, dropLast, maxBadFraction, segmentation);
    }

    public LoaderOptions withBatchSize(int v) {
        return new LoaderOptions(imageSize, channels, train, randomScaleCrop, interpolation, fastJpegDownscale, v,
                threads, prefetchBatches, seed, shuffle, dropLast, maxBadFraction, segmentation);
    }

    public LoaderOptions withThreads(int v) {
        return new LoaderOptions(imageSize, channels, train, randomScaleCrop, interpolation, fastJpegDownscale,
                batchSize, v, prefetchBatches, seed, shuffle, dropLast, maxBadFraction, segmentation);
    }

    public LoaderOptions withPrefetchBatches(int v) {
        return new LoaderOptions(imageSize, channels, train, randomScaleCrop, interpolation, fastJpegDownscale,
                batchSize, threads, v, seed, shuffle, dropLast, maxBadFraction, segmentation);
    }

    public LoaderOptions withSeed(long v) {
        return new LoaderOptions(imageSize, channels, train, randomScaleCrop, interpolation, fastJpegDownscale,
                batchSize, threads, prefetchBatches, v, shuffle, dropLast, maxBadFraction, segmentation);
    }

    public LoaderOptions withShuffle(boolean v) {
        return new LoaderOptions(imageSize, channels, train, randomScaleCrop, interpolation, fastJpegDownscale,
                batchSize, threads, prefetchBatches, seed, v, dropLast, maxBadFraction, segmentation);
    }

    public LoaderOptions withDropLast(boolean v) {
        return new LoaderOptions(imageSize, channels, train, randomScaleCrop, interpolation, fastJpegDownscale,
                batchSize, threads, prefetchBatches, seed, shuffle, v, maxBadFraction, segmentation);
    }

    public LoaderOptions withMaxBadFraction(double v) {
        return new LoaderOptions(imageSize, channels, train, randomScaleCrop, interpolation, fastJpegDownscale,
                batchSize, threads, prefetchBatches, seed, shuffle, dropLast, v, segmentation);
    }

    public LoaderOptions withSegmentation(SegmentationOptions v) {
        return new LoaderOptions(imageSize, channels, train, randomScaleCrop, interpolation, fastJpegDownscale,
                batchSize, threads, prefetchBatches, seed, shuffle, dropLast, maxBadFraction, v);
    }
}
