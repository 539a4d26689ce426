package org.diffrep.datasets;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_GRAYSCALE;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.WARP_INVERSE_MAP;
import static org.bytedeco.opencv.global.opencv_imgproc.warpAffine;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Decodes one sample and applies the paper's geometry: 2x box halvings while the short side is at
 * least twice the target (as guided-diffusion's {@code center_crop_arr}), resize of the short side
 * to S, S x S crop (centre, or random with {@link LoaderOptions#randomScaleCrop()}), optional
 * horizontal flip. Label maps and masks get the same geometry, sampled nearest at pixel centres.
 * Thread-safe: the decode threads share one instance.
 */
public final class SampleLoader {
    /** Label-map value of pixels that carry no label (ADE20K class 0, COCO crowd regions). */
    public static final int IGNORE = -1;

    private final ImageDataset dataset;
    private final LoaderOptions options;
    private final InMemoryImages memory;
    private final SegmentationTransform segmentation;

    public SampleLoader(ImageDataset dataset, String split, LoaderOptions options) {
        this.dataset = dataset;
        this.options = options;
        this.memory = dataset.samples(split).stream().anyMatch(s -> s.image() == null) ? dataset.inMemoryImages(split) : null;
        if (options.segmentation() != null) {
            if (dataset.task() != Task.SEMANTIC_SEGMENTATION) {
                throw new IllegalArgumentException(dataset.name() + " has no per-pixel class labels for the segmentation pipeline");
            }
            if (options.channels() != 3) throw new IllegalArgumentException("the segmentation pipeline reads RGB images (3 channels)");
        }
        this.segmentation = options.segmentation() != null ? new SegmentationTransform(options.imageSize(), options.segmentation()) : null;
    }

    /**
     * Loads one sample; {@code rng} decides flip and random crop, so a fixed seed gives a fixed result.
     * With {@link LoaderOptions#segmentation()} the sample goes through {@link SegmentationTransform} instead.
     */
    public LoadedSample load(Sample sample, SplittableRandom rng) throws UnreadableImageException {
        if (segmentation != null) return options.train() ? segmentation.train(sample, rng) : segmentation.evaluation(sample);
        int size = options.imageSize();
        boolean flip = options.train() && rng.nextBoolean();
        int shortSide = size;
        if (options.train() && options.randomScaleCrop()) {
            int max = (int) Math.ceil(size / 0.8);
            shortSide = size + rng.nextInt(max - size + 1);
        }
        try (PointerScope scope = new PointerScope()) {
            Decoded decoded = sample.image() != null ? decodeFile(sample, shortSide) : fromMemory(sample);
            Mat img = decoded.mat;
            while (Math.min(img.cols(), img.rows()) >= 2 * shortSide) {
                Mat half = new Mat();
                resize(img, half, new Size(img.cols() / 2, img.rows() / 2), 0, 0, INTER_AREA);
                img = half;
            }
            int w = img.cols();
            int h = img.rows();
            int newW;
            int newH;
            if (w <= h) {
                newW = shortSide;
                newH = Math.max(shortSide, (int) Math.rint(h * (double) shortSide / w));
            } else {
                newH = shortSide;
                newW = Math.max(shortSide, (int) Math.rint(w * (double) shortSide / h));
            }
            if (newW != w || newH != h) {
                Mat scaled = new Mat();
                resize(img, scaled, new Size(newW, newH), 0, 0, options.interpolation().openCvFlag);
                img = scaled;
            }
            boolean random = options.train() && options.randomScaleCrop();
            int cropX = random ? rng.nextInt(newW - size + 1) : (newW - size) / 2;
            int cropY = random ? rng.nextInt(newH - size + 1) : (newH - size) / 2;
            Crop crop = new Crop(decoded.width, decoded.height, newW, newH, cropX, cropY, size, flip);

            float[] pixels = toFloats(img, crop);
            int[] labelMap = null;
            List<ObjectTarget> objects = List.of();
            if (sample.labelMap() != null) {
                labelMap = labelMap(sample, crop);
            } else if (dataset.task() == Task.INSTANCE_SEGMENTATION) {
                objects = objects(sample, crop);
                labelMap = categoryMap(objects, size);
            }
            return LoadedSample.square(pixels, size, sample.label(), labelMap, objects);
        } catch (RuntimeException e) {
            // OpenCV errors and malformed masks surface as runtime exceptions; they concern this sample only
            throw new UnreadableImageException(sample.image() != null ? sample.image().toString() : sample.id(),
                    "decode failed: " + e);
        }
    }

    private record Decoded(Mat mat, int width, int height) {}

    /** Where the output crop lies on the original image: resized size, crop offset, flip. */
    private record Crop(int origW, int origH, int newW, int newH, int x, int y, int size, boolean flip) {
        /** Original-image column sampled (nearest, at pixel centres) for output column {@code ox} of a srcW-wide source. */
        int sourceX(int ox, int srcW) {
            int rx = x + (flip ? size - 1 - ox : ox);
            return Math.min(srcW - 1, (int) ((rx + 0.5) * srcW / newW));
        }

        int sourceY(int oy, int srcH) {
            return Math.min(srcH - 1, (int) ((y + oy + 0.5) * srcH / newH));
        }
    }

    private Decoded decodeFile(Sample sample, int shortSide) throws UnreadableImageException {
        String path = sample.image().toString();
        byte[] bytes = ImageFiles.readAll(sample.image());
        String problem = ImageFiles.problem(bytes);
        if (problem != null) {
            throw new UnreadableImageException(path, problem);
        }
        int[] jpeg = ImageFiles.format(bytes) == ImageFiles.Format.JPEG ? ImageFiles.jpegSize(bytes) : null;
        int factor = 1;
        if (jpeg != null && options.fastJpegDownscale()) {
            while (factor < 8 && Math.min(jpeg[0], jpeg[1]) / (factor * 2) >= shortSide) {
                factor *= 2;
            }
        }
        Mat mat = imdecode(new Mat(bytes), readFlags(factor));
        if (mat == null || mat.empty()) {
            throw new UnreadableImageException(path, "cannot decode image");
        }
        if (factor > 1) {
            // libjpeg rounds the scaled size up (a partial last block becomes a pixel); the box halvings
            // this replaces round down, and the later resize must see the same size to crop the same region.
            int w = jpeg[0];
            int h = jpeg[1];
            for (int f = factor; f > 1; f /= 2) {
                w /= 2;
                h /= 2;
            }
            if (w != mat.cols() || h != mat.rows()) {
                // Resample exactly the image's extent, [0, W/f) x [0, H/f) in decoded pixels, onto w x h.
                double sx = (double) jpeg[0] / factor / w;
                double sy = (double) jpeg[1] / factor / h;
                Mat affine = new Mat(2, 3, CV_64F);
                DoubleIndexer ix = affine.createIndexer();
                ix.put(0, 0, sx, 0, 0.5 * sx - 0.5);
                ix.put(1, 0, 0, sy, 0.5 * sy - 0.5);
                Mat exact = new Mat();
                warpAffine(mat, exact, affine, new Size(w, h), INTER_LINEAR | WARP_INVERSE_MAP, BORDER_REPLICATE, new Scalar());
                mat = exact;
            }
        }
        int width = factor > 1 ? jpeg[0] : mat.cols();
        int height = factor > 1 ? jpeg[1] : mat.rows();
        return new Decoded(mat, width, height);
    }

    /** PIL ignores EXIF orientation, and so do the reference pipelines: keep the stored pixel order. */
    private int readFlags(int factor) {
        int flags = (options.channels() == 1 ? IMREAD_GRAYSCALE : IMREAD_COLOR) | IMREAD_IGNORE_ORIENTATION;
        // IMREAD_REDUCED_*_{2,4,8} = base | 16, 32, 64
        return switch (factor) {
            case 2 -> flags | 16;
            case 4 -> flags | 32;
            case 8 -> flags | 64;
            default -> flags;
        };
    }

    private Decoded fromMemory(Sample sample) {
        byte[] px = memory.pixels(sample.index());
        int type = memory.channels() == 1 ? CV_8UC1 : CV_8UC3;
        Mat mat = new Mat(memory.height(), memory.width(), type, new BytePointer(px));
        return new Decoded(mat, memory.width(), memory.height());
    }

    /** Crop, flip, BGR to RGB (or gray to RGB), HWC to CHW and [0, 255] to [-1, 1] in one pass. */
    private float[] toFloats(Mat img, Crop crop) {
        int w = img.cols();
        int srcC = img.channels();
        byte[] data = new byte[w * img.rows() * srcC];
        img.data().get(data);
        int size = crop.size;
        int outC = options.channels();
        float[] out = new float[outC * size * size];
        int plane = size * size;
        for (int oy = 0; oy < size; oy++) {
            int row = (crop.y + oy) * w;
            for (int ox = 0; ox < size; ox++) {
                int sx = crop.x + (crop.flip ? size - 1 - ox : ox);
                int src = (row + sx) * srcC;
                int dst = oy * size + ox;
                if (outC == 1) {
                    out[dst] = (data[src] & 0xFF) / 127.5f - 1f;
                } else if (srcC == 1) {
                    float v = (data[src] & 0xFF) / 127.5f - 1f;
                    out[dst] = v;
                    out[plane + dst] = v;
                    out[2 * plane + dst] = v;
                } else {
                    out[dst] = (data[src + 2] & 0xFF) / 127.5f - 1f;
                    out[plane + dst] = (data[src + 1] & 0xFF) / 127.5f - 1f;
                    out[2 * plane + dst] = (data[src] & 0xFF) / 127.5f - 1f;
                }
            }
        }
        return out;
    }

    /** ADE20K convention: 0 = unlabelled (ignored), k = class k - 1. */
    private int[] labelMap(Sample sample, Crop crop) throws UnreadableImageException {
        String path = sample.labelMap().toString();
        byte[] bytes = ImageFiles.readAll(sample.labelMap());
        String problem = ImageFiles.problem(bytes);
        if (problem != null) {
            throw new UnreadableImageException(path, problem);
        }
        Mat mat = imdecode(new Mat(bytes), IMREAD_UNCHANGED);
        if (mat == null || mat.empty()) {
            throw new UnreadableImageException(path, "cannot decode label map");
        }
        if (mat.channels() != 1 || mat.elemSize1() != 1) {
            throw new UnreadableImageException(path, "label map must be a single-channel 8-bit PNG, got "
                    + mat.channels() + " channel(s) of " + 8 * mat.elemSize1() + " bits");
        }
        if (mat.cols() != crop.origW || mat.rows() != crop.origH) {
            throw new UnreadableImageException(path, "label map is " + mat.cols() + "x" + mat.rows()
                    + " but the image is " + crop.origW + "x" + crop.origH);
        }
        byte[] labels = new byte[mat.cols() * mat.rows()];
        mat.data().get(labels);
        int size = crop.size;
        int[] out = new int[size * size];
        for (int oy = 0; oy < size; oy++) {
            int row = crop.sourceY(oy, crop.origH) * crop.origW;
            for (int ox = 0; ox < size; ox++) {
                int v = labels[row + crop.sourceX(ox, crop.origW)] & 0xFF;
                out[oy * size + ox] = v == 0 ? IGNORE : v - 1;
            }
        }
        return out;
    }

    private List<ObjectTarget> objects(Sample sample, Crop crop) {
        int size = crop.size;
        float sx = (float) crop.newW / crop.origW;
        float sy = (float) crop.newH / crop.origH;
        List<ObjectTarget> out = new ArrayList<>();
        for (CocoObject o : sample.objects()) {
            float x1 = o.x() * sx - crop.x;
            float x2 = (o.x() + o.width()) * sx - crop.x;
            if (crop.flip) {
                float t = size - x2;
                x2 = size - x1;
                x1 = t;
            }
            float y1 = o.y() * sy - crop.y;
            float y2 = (o.y() + o.height()) * sy - crop.y;
            x1 = clamp(x1, size);
            x2 = clamp(x2, size);
            y1 = clamp(y1, size);
            y2 = clamp(y2, size);
            byte[] full = o.mask().decode();
            int mw = o.mask().width();
            int mh = o.mask().height();
            byte[] mask = new byte[size * size];
            for (int oy = 0; oy < size; oy++) {
                int row = crop.sourceY(oy, mh) * mw;
                for (int ox = 0; ox < size; ox++) {
                    mask[oy * size + ox] = full[row + crop.sourceX(ox, mw)];
                }
            }
            if (x2 > x1 && y2 > y1) {
                out.add(new ObjectTarget(o.category(), o.crowd(), x1, y1, x2, y2, mask));
            }
        }
        return out;
    }

    private static float clamp(float v, int size) {
        return Math.max(0, Math.min(size, v));
    }

    /**
     * One label per pixel for COCO: category index where an object covers it, {@code numClasses}
     * (80) for background, {@link #IGNORE} inside crowd regions. Larger objects are painted first so
     * smaller ones on top of them stay visible.
     */
    private int[] categoryMap(List<ObjectTarget> objects, int size) {
        int[] map = new int[size * size];
        java.util.Arrays.fill(map, dataset.numClasses());
        List<ObjectTarget> order = new ArrayList<>(objects);
        order.sort(Comparator.comparing((ObjectTarget t) -> !t.crowd()).thenComparing(t -> -area(t.mask())));
        for (ObjectTarget t : order) {
            int value = t.crowd() ? IGNORE : t.category();
            byte[] m = t.mask();
            for (int i = 0; i < m.length; i++) {
                if (m[i] != 0) {
                    map[i] = value;
                }
            }
        }
        return map;
    }

    private static int area(byte[] mask) {
        int a = 0;
        for (byte b : mask) {
            a += b;
        }
        return a;
    }
}
