package org.diffrep.datasets;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * {@link SampleLoader}'s geometry for semantic segmentation (ADE20K), as mmseg's pipelines do it
 * (see {@link SegmentationOptions}): image and label map decoded together and put through the same
 * scale, crop and flip, the image resampled bilinearly, the label map nearest-neighbour only, so no
 * label value is ever invented; the photometric distortion, when asked for, touches the image only.
 * Labels: file value 0 ("other") becomes {@link SampleLoader#IGNORE}, 1..K become 0..K−1 (mmseg's
 * reduce_zero_label). Thread-safe.
 */
final class SegmentationTransform {

    private final int size;
    private final SegmentationOptions options;

    SegmentationTransform(int size, SegmentationOptions options) {
        if (size < 1) throw new IllegalArgumentException("size must be positive: " + size);
        this.size = size;
        this.options = options;
    }

    /**
     * An S x S training pair; {@code rng} draws scale, crop, flip and then the photometric distortion, in
     * that order, so a fixed seed repeats them and turning the distortion on leaves the geometry as it was.
     */
    LoadedSample train(Sample sample, SplittableRandom rng) throws UnreadableImageException {
        double ratio = options.minRatio() + (options.maxRatio() - options.minRatio()) * rng.nextDouble();
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
            int windowW = Math.min(size, newW - cropX);
            int windowH = Math.min(size, newH - cropY);
            byte[] bgr = window(bytes(scaledImg), newW, 3, cropX, cropY, windowW, windowH);
            byte[] labels = window(bytes(scaledLab), newW, 1, cropX, cropY, windowW, windowH);
            if (options.photometric()) PhotometricDistortion.apply(bgr, windowW, windowH, rng);
            float[] pixels = new float[3 * size * size];
            int[] labelMap = new int[size * size];
            toSquare(bgr, labels, windowW, windowH, flip, pixels, labelMap);
            return LoadedSample.square(pixels, size, sample.label(), labelMap, List.of());
        } catch (RuntimeException e) {
            throw new UnreadableImageException(sample.image().toString(), "decode failed: " + e);
        }
    }

    /**
     * An evaluation sample: the image resized to S x S (or its short side to S, see
     * {@link SegmentationOptions#evalShortSide()}), the labels as annotated.
     */
    LoadedSample evaluation(Sample sample) throws UnreadableImageException {
        try (PointerScope scope = new PointerScope()) {
            Mat img = decodeImage(sample);
            Mat lab = decodeLabels(sample, img);
            int w = img.cols();
            int h = img.rows();
            int newW = size;
            int newH = size;
            if (options.evalShortSide()) {
                // mmcv's rescale rounds half up; the short side is S exactly
                newW = w <= h ? size : Math.max(size, (int) Math.round((double) w * size / h));
                newH = w <= h ? Math.max(size, (int) Math.round((double) h * size / w)) : size;
            }
            Mat scaled = new Mat();
            resize(img, scaled, new Size(newW, newH), 0, 0, INTER_LINEAR);
            float[] pixels = new float[3 * newW * newH];
            toFloats(bytes(scaled), newW, newH, pixels);
            int[] labels = new int[lab.cols() * lab.rows()];
            byte[] fileValues = bytes(lab);
            for (int i = 0; i < labels.length; i++) labels[i] = reduce(fileValues[i] & 0xFF);
            return new LoadedSample(pixels, newH, newW, sample.label(), labels, lab.rows(), lab.cols(), List.of());
        } catch (RuntimeException e) {
            throw new UnreadableImageException(sample.image().toString(), "decode failed: " + e);
        }
    }

    /** The w x h window at (x, y) of an image {@code rowWidth} pixels wide with {@code channels} bytes per pixel. */
    private static byte[] window(byte[] data, int rowWidth, int channels, int x, int y, int w, int h) {
        byte[] out = new byte[w * h * channels];
        for (int r = 0; r < h; r++) {
            System.arraycopy(data, ((y + r) * rowWidth + x) * channels, out, r * w * channels, w * channels);
        }
        return out;
    }

    /**
     * A w x h BGR window and its labels into S x S RGB floats in [-1, 1] and labels, mirrored when
     * {@code flip}; beyond the window (w or h below S): black pixels, ignored labels.
     */
    void toSquare(byte[] bgr, byte[] labelBytes, int w, int h, boolean flip, float[] out, int[] labels) {
        int plane = size * size;
        Arrays.fill(out, -1f);
        Arrays.fill(labels, SampleLoader.IGNORE);
        for (int oy = 0; oy < Math.min(h, size); oy++) {
            for (int ox = 0; ox < size; ox++) {
                int sx = flip ? size - 1 - ox : ox;
                if (sx >= w) continue;
                int src = oy * w + sx;
                int dst = oy * size + ox;
                out[dst] = (bgr[3 * src + 2] & 0xFF) / 127.5f - 1f;
                out[plane + dst] = (bgr[3 * src + 1] & 0xFF) / 127.5f - 1f;
                out[2 * plane + dst] = (bgr[3 * src] & 0xFF) / 127.5f - 1f;
                labels[dst] = reduce(labelBytes[src] & 0xFF);
            }
        }
    }

    /** A w x h BGR image into RGB planes in [-1, 1]. */
    private static void toFloats(byte[] bgr, int w, int h, float[] out) {
        int plane = w * h;
        for (int i = 0; i < plane; i++) {
            out[i] = (bgr[3 * i + 2] & 0xFF) / 127.5f - 1f;
            out[plane + i] = (bgr[3 * i + 1] & 0xFF) / 127.5f - 1f;
            out[2 * plane + i] = (bgr[3 * i] & 0xFF) / 127.5f - 1f;
        }
    }

    /** mmseg's reduce_zero_label for one file value. */
    static int reduce(int fileValue) {
        return fileValue == 0 ? SampleLoader.IGNORE : fileValue - 1;
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
