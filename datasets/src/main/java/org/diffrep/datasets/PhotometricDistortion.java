package org.diffrep.datasets;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2HSV;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_HSV2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * mmseg's PhotoMetricDistortion on an 8-bit BGR image, in its order and with its ranges: random
 * brightness (delta in ±32), then random contrast (factor in [0.5, 1.5]) either here or last, random
 * saturation (factor in [0.5, 1.5]) and random hue (shift in [−18, 18) of OpenCV's 0..179 hue); each
 * applied with probability 0.5, each result clipped to [0, 255] and truncated to 8 bits as mmseg
 * does, the HSV conversions OpenCV's (as mmcv's). Draws come from the caller's generator, so a sample
 * seeded by (iteration, sample) is distorted the same way after a resume.
 */
final class PhotometricDistortion {
    static final double BRIGHTNESS_DELTA = 32;
    static final double CONTRAST_LOWER = 0.5;
    static final double CONTRAST_UPPER = 1.5;
    static final double SATURATION_LOWER = 0.5;
    static final double SATURATION_UPPER = 1.5;
    static final int HUE_DELTA = 18;

    private PhotometricDistortion() {}

    /** Distorts a w x h BGR image in place. */
    static void apply(byte[] bgr, int w, int h, SplittableRandom rng) {
        if (rng.nextBoolean()) scale(bgr, 0, 1, 1f, uniform(rng, -BRIGHTNESS_DELTA, BRIGHTNESS_DELTA));
        boolean contrastFirst = rng.nextBoolean();
        if (contrastFirst) contrast(bgr, rng);
        if (rng.nextBoolean()) {
            float alpha = uniform(rng, SATURATION_LOWER, SATURATION_UPPER);
            inHsv(bgr, w, h, hsv -> scale(hsv, 1, 3, alpha, 0f));
        }
        if (rng.nextBoolean()) {
            // numpy's randint(-18, 18): the upper bound is exclusive
            int shift = -HUE_DELTA + rng.nextInt(2 * HUE_DELTA);
            inHsv(bgr, w, h, hsv -> {
                for (int i = 0; i < hsv.length; i += 3) hsv[i] = (byte) Math.floorMod((hsv[i] & 0xFF) + shift, 180);
            });
        }
        if (!contrastFirst) contrast(bgr, rng);
    }

    private static void contrast(byte[] bgr, SplittableRandom rng) {
        if (rng.nextBoolean()) scale(bgr, 0, 1, uniform(rng, CONTRAST_LOWER, CONTRAST_UPPER), 0f);
    }

    private static float uniform(SplittableRandom rng, double low, double high) {
        return (float) (low + (high - low) * rng.nextDouble());
    }

    /** v · alpha + beta in float, clipped to [0, 255], truncated (numpy's astype(uint8)); every {@code step}-th byte from {@code first}. */
    private static void scale(byte[] data, int first, int step, float alpha, float beta) {
        for (int i = first; i < data.length; i += step) {
            float v = (data[i] & 0xFF) * alpha + beta;
            data[i] = (byte) (int) Math.min(255f, Math.max(0f, v));
        }
    }

    private interface HsvEdit {
        void edit(byte[] hsv);
    }

    /** Converts to HSV (OpenCV's 8-bit: H in 0..179), edits, converts back into {@code bgr}. */
    private static void inHsv(byte[] bgr, int w, int h, HsvEdit edit) {
        try (PointerScope scope = new PointerScope()) {
            BytePointer data = new BytePointer(bgr);
            Mat image = new Mat(h, w, CV_8UC3, data);
            Mat hsv = new Mat();
            cvtColor(image, hsv, COLOR_BGR2HSV);
            byte[] values = new byte[bgr.length];
            hsv.data().get(values);
            edit.edit(values);
            hsv.data().put(values);
            cvtColor(hsv, image, COLOR_HSV2BGR);
            data.get(bgr);
        }
    }
}
