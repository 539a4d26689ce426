package org.diffrep.datasets;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Image and label map of a semantic-segmentation sample (ADE20K) under one geometry, as mmseg's
 * pipelines do it. Training: the short side scaled to S times a ratio drawn from
 * [{@code minRatio}, {@code maxRatio}], a random S x S crop (padded with black pixels and ignored labels
 * when the scaled image is smaller), a horizontal flip with p = 0.5; the image resampled bilinearly,
 * the label map nearest-neighbour only, so no label value is ever invented. Evaluation: the whole image
 * resized to S x S (the U-Net's fixed input), the label map untouched at its own resolution, since
 * predictions are scored after resizing them back to it.
 *
 * <p>Labels follow mmseg's reduce_zero_label: file value 0 ("other") becomes {@link #IGNORE}, 1..150
 * become 0..149. Thread-safe.
 */
public final class SegmentationLoader {

    /** Label of pixels that are not scored: mmseg's ignore index. */
    public static final int IGNORE = 255;

    private final int size;
    private final double minRatio;
    private final double maxRatio;

    /**
     * @param size     S, the network's input side
     * @param minRatio smallest training scale of the short side relative to S (mmseg ADE20K: 0.5)
     * @param maxRatio largest (mmseg ADE20K: 2.0)
     */
    public SegmentationLoader(int size, double minRatio, double maxRatio) {
        if (size < 1) throw new IllegalArgumentException("size must be positive: " + size);
        if (!(minRatio > 0 && maxRatio >= minRatio)) {
            throw new IllegalArgumentException("scale ratios must satisfy 0 < min <= max, got " + minRatio + ", " + maxRatio);
        }
        this.size = size;
        this.minRatio = minRatio;
        this.maxRatio = maxRatio;
    }

    public int size() {
        return size;
    }

    /** An S x S training pair: pixels [3, S, S] in [-1, 1] (RGB) and S x S labels. */
    public record Pair(float[] pixels, int[] labels) {}

    /** An evaluation sample: pixels [3, S, S] of the whole image, labels at the annotation's width x height. */
    public record EvalSample(float[] pixels, int[] labels, int width, int height) {}

    /** Training pair of {@code sample}; {@code rng} draws scale, crop and flip, so a fixed seed repeats them. */
    public Pair loadTrain(Sample sample, SplittableRandom rng) throws UnreadableImageException {
        double ratio = minRatio + (maxRatio - minRatio) * rng.nextDouble();
        try (PointerScope scope = new PointerScope()) {
            Mat img = decodeImage(sample);
            Mat lab = decodeLabels(sample, img);
            int w = img.cols();
            int h = img.rows();
            double scale = ratio * size / Math.min(w, h);
            int newW = Math.max(1, (int) Math.round(w * scale));
            int newH = Math.max(1, (int) Math.round(h * scale));
            Mat scaledImg = new Mat();
            Mat scaledLab = new Mat();
            resize(img, scaledImg, new Size(newW, newH), 0, 0, INTER_LINEAR);
            resize(lab, scaledLab, new Size(newW, newH), 0, 0, INTER_NEAREST);
            int cropX = newW > size ? rng.nextInt(newW - size + 1) : 0;
            int cropY = newH > size ? rng.nextInt(newH - size + 1) : 0;
            boolean flip = rng.nextBoolean();
            return crop(bytes(scaledImg), bytes(scaledLab), newW, newH, cropX, cropY, flip);
        } catch (RuntimeException e) {
            throw new UnreadableImageException(sample.image().toString(), "decode failed: " + e);
        }
    }

    /** Evaluation sample: the whole image resized to S x S, the labels as annotated. */
    public EvalSample loadEval(Sample sample) throws UnreadableImageException {
        try (PointerScope scope = new PointerScope()) {
            Mat img = decodeImage(sample);
            Mat lab = decodeLabels(sample, img);
            Mat scaled = new Mat();
            resize(img, scaled, new Size(size, size), 0, 0, INTER_LINEAR);
            int[] labels = reduce(bytes(lab));
            return new EvalSample(crop(bytes(scaled), null, size, size, 0, 0, false).pixels(), labels, lab.cols(), lab.rows());
        } catch (RuntimeException e) {
            throw new UnreadableImageException(sample.image().toString(), "decode failed: " + e);
        }
    }

    /**
     * The S x S window at (x, y) of a w x h BGR image and its labels (null for none), mirrored when
     * {@code flip}; outside the image: black pixels, ignored labels.
     */
    Pair crop(byte[] bgr, byte[] labelBytes, int w, int h, int x, int y, boolean flip) {
        int plane = size * size;
        float[] out = new float[3 * plane];
        java.util.Arrays.fill(out, -1f);
        int[] labels = labelBytes == null ? null : new int[plane];
        if (labels != null) java.util.Arrays.fill(labels, IGNORE);
        for (int oy = 0; oy < size; oy++) {
            int sy = y + oy;
            if (sy >= h) break;
            for (int ox = 0; ox < size; ox++) {
                int sx = x + (flip ? size - 1 - ox : ox);
                if (sx >= w) continue;
                int src = sy * w + sx;
                int dst = oy * size + ox;
                out[dst] = (bgr[3 * src + 2] & 0xFF) / 127.5f - 1f;
                out[plane + dst] = (bgr[3 * src + 1] & 0xFF) / 127.5f - 1f;
                out[2 * plane + dst] = (bgr[3 * src] & 0xFF) / 127.5f - 1f;
                if (labels != null) labels[dst] = reduce(labelBytes[src] & 0xFF);
            }
        }
        return new Pair(out, labels);
    }

    /** mmseg's reduce_zero_label for one file value. */
    public static int reduce(int fileValue) {
        return fileValue == 0 ? IGNORE : fileValue - 1;
    }

    private static int[] reduce(byte[] fileValues) {
        int[] out = new int[fileValues.length];
        for (int i = 0; i < out.length; i++) out[i] = reduce(fileValues[i] & 0xFF);
        return out;
    }

    private static Mat decodeImage(Sample sample) throws UnreadableImageException {
        String path = sample.image().toString();
        byte[] bytes = ImageFiles.readAll(sample.image());
        String problem = ImageFiles.problem(bytes);
        if (problem != null) throw new UnreadableImageException(path, problem);
        Mat mat = imdecode(new Mat(bytes), IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION);
        if (mat == null || mat.empty()) throw new UnreadableImageException(path, "cannot decode image");
        return mat;
    }

    private static Mat decodeLabels(Sample sample, Mat img) throws UnreadableImageException {
        if (sample.labelMap() == null) throw new IllegalArgumentException(sample.id() + " has no label map");
        String path = sample.labelMap().toString();
        byte[] bytes = ImageFiles.readAll(sample.labelMap());
        String problem = ImageFiles.problem(bytes);
        if (problem != null) throw new UnreadableImageException(path, problem);
        Mat mat = imdecode(new Mat(bytes), IMREAD_UNCHANGED);
        if (mat == null || mat.empty()) throw new UnreadableImageException(path, "cannot decode label map");
        if (mat.channels() != 1 || mat.elemSize1() != 1) {
            throw new UnreadableImageException(path, "label map must be a single-channel 8-bit PNG, got "
                    + mat.channels() + " channel(s) of " + 8 * mat.elemSize1() + " bits");
        }
        if (mat.cols() != img.cols() || mat.rows() != img.rows()) {
            throw new UnreadableImageException(path, "label map is " + mat.cols() + "x" + mat.rows()
                    + " but the image is " + img.cols() + "x" + img.rows());
        }
        return mat;
    }

    private static byte[] bytes(Mat m) {
        // a freshly decoded or resized Mat is continuous: rows follow each other without padding
        byte[] data = new byte[(int) (m.total() * m.channels())];
        m.data().get(data);
        return data;
    }
}
