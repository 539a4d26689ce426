package org.diffrep.training.seg;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.training.train.Feeder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Scores a {@link SegGraph} on a split, single scale: the S x S logits of each image are resized
 * bilinearly (align_corners=False, as mmseg) to its annotation's resolution, the arg-max there is the
 * prediction, and {@link SegMetrics} accumulates it. Optionally each prediction is written as an 8-bit
 * PNG named after its annotation file, in the annotation's convention: class k is stored as k + 1
 * (1..K), so 0 never appears.
 */
public final class SegEvaluator {
    private SegEvaluator() {}

    public static SegMetrics.Result evaluate(SegGraph graph, SegBatches data, int batchSize, Path predictions, boolean progress)
            throws IOException {
        int k = graph.head().numClasses();
        SegMetrics metrics = new SegMetrics(k, SegData.IGNORE);
        if (predictions != null) Files.createDirectories(predictions);
        int n = data.size();
        try (ProgressBar bar = progress ? new ProgressBarBuilder().setTaskName("eval").setInitialMax((n + batchSize - 1) / batchSize)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).continuousUpdate().build() : null) {
            for (int start = 0; start < n; start += batchSize) {
                SegBatches.Eval batch = data.eval(Feeder.range(start, Math.min(n, start + batchSize)));
                Map<String, INDArray> ph = new HashMap<>(batch.inputs());
                if (!graph.batchNorms().isEmpty()) ph.put(SegGraph.BN_TRAIN, Nd4j.zeros(DataType.FLOAT, 1));
                INDArray logits = graph.sameDiff().output(ph, SegGraph.LOGITS).get(SegGraph.LOGITS);
                int s = (int) logits.size(2);
                float[] all = logits.castTo(DataType.FLOAT).dup('c').data().asFloat();
                for (int i = 0; i < batch.targets().size(); i++) {
                    SegData.Target target = batch.targets().get(i);
                    int[] pred = predict(all, i * k * s * s, k, s, target.width(), target.height());
                    metrics.add(pred, target.labels());
                    if (predictions != null) writePrediction(predictions.resolve(target.name()), pred, target.width(), target.height());
                }
                if (bar != null) bar.step();
            }
        }
        return metrics.result();
    }

    /**
     * Arg-max over classes of the logits [K, s, s] (starting at {@code offset}) bilinearly resized to
     * width x height; ties go to the lower class, as torch.argmax.
     */
    static int[] predict(float[] logits, int offset, int k, int s, int width, int height) {
        Axis xs = Axis.of(s, width);
        Axis ys = Axis.of(s, height);
        int plane = s * s;
        int[] out = new int[width * height];
        for (int y = 0; y < height; y++) {
            int r0 = ys.lo[y] * s;
            int r1 = ys.hi[y] * s;
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
