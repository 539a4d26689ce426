package org.diffrep.training.seg;

import me.tongfei.progressbar.ProgressBar;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.train.Feeder;
import org.diffrep.training.train.ProgressBars;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Scores a {@link SegGraph} on a split, single scale: the logits of each image are resized bilinearly
 * (align_corners=False, as mmseg) to its annotation's resolution, the arg-max there is the prediction,
 * and {@link SegMetrics} accumulates it. The logits are the graph's S x S output for the whole image
 * (resized to S x S), or with a {@link SlidingWindow} those of S x S windows over the image (short side
 * S, aspect kept), averaged where windows overlap, as mmseg's slide inference. Optionally each
 * prediction is written as an 8-bit PNG named after its annotation file, in the annotation's
 * convention: class k is stored as k + 1 (1..K), so 0 never appears.
 */
public final class SegEvaluator {
    private SegEvaluator() {}

    /**
     * Windows of the graph's input side every {@code stride} pixels (mmseg's slide inference; ADE20K: 512
     * every 341), the last one of a row or column moved back to end at the image's edge.
     */
    public record SlidingWindow(int side, int stride) {
        public SlidingWindow {
            if (side < 1 || stride < 1) throw new IllegalArgumentException("window side and stride must be positive: " + side + ", " + stride);
        }

        /** mmseg's ADE20K proportion: a stride of two thirds of the window. */
        public static SlidingWindow of(int side, Integer stride) {
            return new SlidingWindow(side, stride != null ? stride : Math.max(1, 2 * side / 3));
        }

        /** Offsets of the windows along an axis of {@code length} pixels (at least the side). */
        int[] offsets(int length) {
            int grids = Math.max(length - side + stride - 1, 0) / stride + 1;
            int[] at = new int[grids];
            for (int g = 0; g < grids; g++) at[g] = Math.max(Math.min(g * stride + side, length) - side, 0);
            return at;
        }
    }

    /** Whole-image evaluation; see {@link #evaluate(SegGraph, SegBatches, int, SlidingWindow, Path, boolean)}. */
    public static SegMetrics.Result evaluate(SegGraph graph, SegBatches data, int batchSize, Path predictions, boolean progress)
            throws IOException {
        return evaluate(graph, data, batchSize, null, predictions, progress);
    }

    /**
     * @param window null: whole images, {@code batchSize} per forward; else images one at a time, their windows
     *               {@code batchSize} per forward
     */
    public static SegMetrics.Result evaluate(SegGraph graph, SegBatches data, int batchSize, SlidingWindow window, Path predictions,
                                             boolean progress) throws IOException {
        int k = graph.head().numClasses();
        SegMetrics metrics = new SegMetrics(k, SegData.IGNORE);
        if (predictions != null) Files.createDirectories(predictions);
        int n = data.size();
        if (window != null) {
            try (ProgressBar bar = ProgressBars.open("eval", n, progress)) {
                for (int i = 0; i < n; i++) {
                    SegBatches.Eval one = data.eval(new int[] {i});
                    WindowedLogits logits = slide(graph, one.inputs(), window, batchSize);
                    SegData.Target target = one.targets().get(0);
                    int[] pred = predict(logits.values(), 0, k, logits.height(), logits.width(), target.width(), target.height());
                    metrics.add(pred, target.labels());
                    if (predictions != null) writePrediction(predictions.resolve(target.name()), pred, target.width(), target.height());
                    if (bar != null) bar.step();
                }
            }
            return metrics.result();
        }
        try (ProgressBar bar = ProgressBars.open("eval", (n + batchSize - 1) / batchSize, progress)) {
            for (int start = 0; start < n; start += batchSize) {
                SegBatches.Eval batch = data.eval(Feeder.range(start, Math.min(n, start + batchSize)));
                Map<String, INDArray> ph = new HashMap<>(batch.inputs());
                if (!graph.batchNorms().isEmpty()) ph.put(SegGraph.BN_TRAIN, Nd4j.zeros(DataType.FLOAT, 1));
                INDArray logits = graph.sameDiff().output(ph, SegGraph.LOGITS).get(SegGraph.LOGITS);
                int s = (int) logits.size(2);
                float[] all = logits.castTo(DataType.FLOAT).dup('c').data().asFloat();
                for (int i = 0; i < batch.targets().size(); i++) {
                    SegData.Target target = batch.targets().get(i);
                    int[] pred = predict(all, i * k * s * s, k, s, s, target.width(), target.height());
                    metrics.add(pred, target.labels());
                    if (predictions != null) writePrediction(predictions.resolve(target.name()), pred, target.width(), target.height());
                }
                if (bar != null) bar.step();
            }
        }
        return metrics.result();
    }

    /** Logits [K, height, width] of one image, averaged over the windows that cover each pixel. */
    record WindowedLogits(float[] values, int height, int width) {}

    /**
     * mmseg's slide inference on one image: its placeholders ({@value AdmUNet#INPUT} [R, C, H, W] with R
     * rows, one per noise step, and {@value AdmUNet#TIMESTEPS} [R] when the U-Net is in the graph) cut into
     * S x S windows, {@code batchSize} windows per forward stacked as the graph expects (row-major over the
     * steps: all windows at the first step, then the next), the windows' logits summed into the image's
     * frame and divided by how many windows cover each pixel.
     */
    static WindowedLogits slide(SegGraph graph, Map<String, INDArray> image, SlidingWindow window, int batchSize) {
        for (String name : image.keySet()) {
            if (!name.equals(AdmUNet.INPUT) && !name.equals(AdmUNet.TIMESTEPS)) {
                throw new IllegalStateException("sliding-window evaluation cuts images, not placeholder " + name + "; use --eval-mode whole");
            }
        }
        INDArray x = image.get(AdmUNet.INPUT);
        INDArray t = image.get(AdmUNet.TIMESTEPS);
        int rows = (int) x.size(0);
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        int side = window.side();
        if (h < side || w < side) throw new IllegalArgumentException("a " + w + "x" + h + " image is smaller than the " + side + " px window");
        int k = graph.head().numClasses();
        List<int[]> corners = new ArrayList<>();
        for (int y : window.offsets(h)) for (int xo : window.offsets(w)) corners.add(new int[] {y, xo});
        float[] sum = new float[k * h * w];
        int[] count = new int[h * w];
        for (int start = 0; start < corners.size(); start += batchSize) {
            List<int[]> chunk = corners.subList(start, Math.min(corners.size(), start + batchSize));
            INDArray[] crops = new INDArray[rows * chunk.size()];
            float[] steps = new float[rows * chunk.size()];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < chunk.size(); c++) {
                    int[] at = chunk.get(c);
                    crops[r * chunk.size() + c] = x.get(NDArrayIndex.interval(r, r + 1), NDArrayIndex.all(),
                            NDArrayIndex.interval(at[0], at[0] + side), NDArrayIndex.interval(at[1], at[1] + side));
                    if (t != null) steps[r * chunk.size() + c] = t.getFloat(r);
                }
            }
            Map<String, INDArray> ph = new HashMap<>();
            ph.put(AdmUNet.INPUT, Nd4j.concat(0, crops));
            if (t != null) ph.put(AdmUNet.TIMESTEPS, Nd4j.createFromArray(steps).castTo(t.dataType()));
            if (!graph.batchNorms().isEmpty()) ph.put(SegGraph.BN_TRAIN, Nd4j.zeros(DataType.FLOAT, 1));
            INDArray logits = graph.sameDiff().output(ph, SegGraph.LOGITS).get(SegGraph.LOGITS);
            int s = (int) logits.size(2);
            if (s != side) throw new IllegalStateException("the graph's logits are " + s + " px for " + side + " px windows");
            float[] out = logits.castTo(DataType.FLOAT).dup('c').data().asFloat();
            for (int c = 0; c < chunk.size(); c++) {
                int[] at = chunk.get(c);
                for (int cls = 0; cls < k; cls++) {
                    for (int yy = 0; yy < side; yy++) {
                        int src = ((c * k + cls) * side + yy) * side;
                        int dst = (cls * h + at[0] + yy) * w + at[1];
                        for (int xx = 0; xx < side; xx++) sum[dst + xx] += out[src + xx];
                    }
                }
                for (int yy = 0; yy < side; yy++) for (int xx = 0; xx < side; xx++) count[(at[0] + yy) * w + at[1] + xx]++;
            }
        }
        for (int cls = 0; cls < k; cls++) for (int p = 0; p < h * w; p++) sum[cls * h * w + p] /= count[p];
        return new WindowedLogits(sum, h, w);
    }

    /**
     * Arg-max over classes of the logits [K, h, w] (starting at {@code offset}) bilinearly resized to
     * width x height; ties go to the lower class, as torch.argmax.
     */
    static int[] predict(float[] logits, int offset, int k, int h, int w, int width, int height) {
        Axis xs = Axis.of(w, width);
        Axis ys = Axis.of(h, height);
        int plane = h * w;
        int[] out = new int[width * height];
        for (int y = 0; y < height; y++) {
            int r0 = ys.lo[y] * w;
            int r1 = ys.hi[y] * w;
            float wy = ys.weight[y];
            for (int x = 0; x < width; x++) {
                int c0 = xs.lo[x];
                int c1 = xs.hi[x];
                float wx = xs.weight[x];
                int best = 0;
                float bestValue = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    int base = offset + c * plane;
                    float top = logits[base + r0 + c0] * (1 - wx) + logits[base + r0 + c1] * wx;
                    float bottom = logits[base + r1 + c0] * (1 - wx) + logits[base + r1 + c1] * wx;
                    float v = top * (1 - wy) + bottom * wy;
                    if (v > bestValue) {
                        bestValue = v;
                        best = c;
                    }
                }
                out[y * width + x] = best;
            }
        }
        return out;
    }

    /** Source neighbours and weight of the upper neighbour for each output position (PyTorch bilinear, align_corners=False). */
    private record Axis(int[] lo, int[] hi, float[] weight) {
        static Axis of(int in, int out) {
            int[] lo = new int[out];
            int[] hi = new int[out];
            float[] w = new float[out];
            double scale = (double) in / out;
            for (int i = 0; i < out; i++) {
                double src = Math.max(0, (i + 0.5) * scale - 0.5);
                lo[i] = Math.min((int) Math.floor(src), in - 1);
                hi[i] = Math.min(lo[i] + 1, in - 1);
                w[i] = (float) (src - lo[i]);
            }
            return new Axis(lo, hi, w);
        }
    }

    /** An 8-bit grayscale PNG holding class + 1 per pixel, written atomically. */
    static void writePrediction(Path file, int[] prediction, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = img.getRaster();
        int[] values = new int[prediction.length];
        for (int i = 0; i < values.length; i++) values[i] = prediction[i] + 1;
        raster.setPixels(0, 0, width, height, values);
        try {
            Path tmp = AtomicFiles.tempFor(file);
            try {
                if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer available");
                AtomicFiles.publish(tmp, file);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write prediction " + file, e);
        }
    }
}
