package org.diffrep.datasets;

/**
 * mmseg's data pipeline for semantic segmentation (ADE20K), in place of the paper's classification
 * geometry. Training: the short side scaled to S times a ratio drawn from [{@code minRatio},
 * {@code maxRatio}], a random S x S crop (padded with black pixels and ignored labels where the scaled
 * image is smaller), a horizontal flip with p = 0.5, then optionally mmseg's PhotoMetricDistortion on
 * the image. Evaluation: the image resized to S x S, or with {@code evalShortSide} its short side to S
 * with the aspect ratio kept (the input of a sliding-window evaluation); the label map stays at its own
 * resolution, since predictions are scored after resizing them back to it.
 *
 * @param minRatio      smallest training scale of the short side relative to S (mmseg ADE20K: 0.5)
 * @param maxRatio      largest (mmseg ADE20K: 2.0)
 * @param photometric   random brightness, contrast, saturation and hue of the training image (never the labels)
 * @param evalShortSide evaluation images keep their aspect ratio, short side S (else: squashed to S x S)
 */
public record SegmentationOptions(double minRatio, double maxRatio, boolean photometric, boolean evalShortSide) {

    public SegmentationOptions {
        if (!(minRatio > 0 && maxRatio >= minRatio)) {
            throw new IllegalArgumentException("scale ratios must satisfy 0 < min <= max, got " + minRatio + ", " + maxRatio);
        }
    }

    /** mmseg's ADE20K training scales (0.5 to 2.0 of S), no photometric distortion, evaluation on S x S. */
    public static SegmentationOptions ade20k() {
        return new SegmentationOptions(0.5, 2.0, false, false);
    }
}
