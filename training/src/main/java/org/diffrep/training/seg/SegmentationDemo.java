package org.diffrep.training.seg;

import org.diffrep.common.UserInputException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.features.FeatureTaps;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.data.FashionMnistImages;
import org.diffrep.training.data.Seeds;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.training.train.Feeder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code demo --task segmentation}: dense prediction from the shipped adm-fmnist U-Net on the shipped
 * Fashion-MNIST, no download. Each pixel is background or its garment's class
 * ({@link FashionMnistSegData}, 11 classes). A small grid of (t, block) is searched with seg-linear on
 * features extracted once (training and validation images both from the training split); at the best
 * cell seg-linear is trained on more images' features, and the same 1×1 classifier on the raw pixel
 * alone is the baseline. Both
 * are scored like mmseg on test images; results.json and segmentation.png go to the output directory.
 */
public final class SegmentationDemo {

    /** Sizes and schedule of the demo; {@link #defaults()} fits in about ten minutes on two cores. */
    public record Settings(List<Integer> timesteps, List<Integer> blocks, int gridTrain, int gridVal, int gridIterations,
                           int trainImages, int testImages, int iterations, int batch, double lr, long seed) {}

    /**
     * 3 t × 3 blocks (the bottleneck's 8 px map, the decoder at 16 and at 32 px); large batches and few
     * steps, because SameDiff's fixed cost per step dominates these small linear heads.
     */
    public static Settings defaults(long seed) {
        return new Settings(List.of(10, 50, 150), List.of(10, 13, 16), 400, 200, 60, 2000, 500, 200, 100, 1e-2, seed);
    }

    private final AdmConfig config;
    private final Path modelFile;
    private final String modelSha256;
    private final ImageDataset dataset;
    private final Path out;
    private final Settings s;
    private final boolean progress;

    public SegmentationDemo(AdmConfig config, Path modelFile, String modelSha256, ImageDataset dataset, Path out, Settings settings,
                            boolean progress) {
        if (config.inChannels() != 1 || config.imageSize() != FashionMnistImages.SIDE) {
            throw new UserInputException("the segmentation demo feeds Fashion-MNIST as 1-channel " + FashionMnistImages.SIDE
                    + " px images; " + config.name() + " takes " + config.inChannels() + "-channel " + config.imageSize() + " px images");
        }
        this.config = config;
        this.modelFile = modelFile;
        this.modelSha256 = modelSha256;
        this.dataset = dataset;
        this.out = out;
        this.s = settings;
        this.progress = progress;
    }

    /** Grid cell: seg-linear's validation mIoU (fraction). */
    record Cell(int t, int block, double miou) {}

    public int run() throws IOException {
        long begin = System.nanoTime();
        Files.createDirectories(out);
        FashionMnistImages trainSplit = FashionMnistImages.of(dataset, "train", false);
        FashionMnistImages testSplit = FashionMnistImages.of(dataset, "test", false);
        int[] order = Seeds.permutation(trainSplit.size(), Seeds.mix(s.seed(), 18));
        List<String> garments = dataset.classNames();
        // the pixel-alone baseline and the features see the same images, unflipped (features are extracted once)
        SegData gridTrain = new FashionMnistSegData(trainSplit.subset(sorted(order, 0, s.gridTrain())), garments);
        SegData gridVal = new FashionMnistSegData(trainSplit.subset(sorted(order, s.gridTrain(), s.gridTrain() + s.gridVal())), garments);
        SegData train = new FashionMnistSegData(trainSplit.subset(sorted(order, 0, s.trainImages())), garments);
        int[] testOrder = Seeds.permutation(testSplit.size(), Seeds.mix(s.seed(), 19));
        SegData test = new FashionMnistSegData(testSplit.subset(sorted(testOrder, 0, s.testImages())), garments);

        StateDict weights = Checkpoints.read(modelFile);
        List<Cell> grid = grid(weights, gridTrain, gridVal);
        Cell best = grid.stream().max(Comparator.comparingDouble(Cell::miou)).orElseThrow();
        System.err.printf(Locale.ROOT, "best cell t=%d block %d (validation mIoU %.2f%%): seg-linear on %d training images%n",
                best.t(), best.block(), 100 * best.miou(), s.trainImages());

        SegTrainConfig tc = new SegTrainConfig(s.iterations(), s.batch(), s.lr(), 0, 0, 1.0, s.seed(), 100, s.iterations());
        SegHeadConfig head = new SegHeadConfig(SegHeadKind.SEG_LINEAR, List.of(best.t()), List.of(best.block()), train.numClasses(), 0, 0);
        FeatureTaps taps = taps(weights, best.block());
        SegGraph diffusion = SegGraph.onFeatures(head, config, s.seed());
        FeatureBatches testFeatures = FeatureBatches.extract(taps, test, best.t(), head.blocks(), 100);
        SegMetrics.Result features = new SegTrainer(diffusion, FeatureBatches.extract(taps, train, best.t(), head.blocks(), 100),
                testFeatures, tc,
                out.resolve("runs").resolve("seg-linear_t" + best.t() + "_b" + best.block()), describe(), train.classNames())
                .optProgress(progress).run(false);

        // the pixel alone: a 1x1 conv on the clean input (its head config's t and block are placeholders: no U-Net is read)
        SegHeadConfig pixelHead = new SegHeadConfig(SegHeadKind.SEG_LINEAR, List.of(0), List.of(0), train.numClasses(), 0, 0);
        SegGraph pixels = SegGraph.onPixels(pixelHead, 1, FashionMnistImages.SIDE, s.seed());
        SegMetrics.Result raw = new SegTrainer(pixels, new SegFeeder(train, SegGraph.Input.PIXELS, List.of(), s.seed()),
                new SegFeeder(test, SegGraph.Input.PIXELS, List.of(), s.seed()), tc, out.resolve("runs").resolve("raw-pixels"),
                describe(), train.classNames()).optProgress(progress).run(false);

        double seconds = (System.nanoTime() - begin) / 1e9;
        writeResults(grid, best, features, raw, train, test, head, tc, seconds);
        writeFigure(diffusion, testFeatures, pixels, test, head, out.resolve("segmentation.png"));
        System.out.printf(Locale.ROOT, "%nsegmentation of Fashion-MNIST pixels (background + 10 garments), %d train / %d test images:%n"
                        + "  seg-linear on t=%d block %d: mIoU %.2f%%, pixel accuracy %.2f%%%n"
                        + "  raw pixel, same 1x1 classifier: mIoU %.2f%%, pixel accuracy %.2f%%  (%+.2f mIoU points for the U-Net features)%n"
                        + "(%.0f s; results.json and segmentation.png in %s)%n",
                train.size(), test.size(), best.t(), best.block(), 100 * features.miou(), 100 * features.pixelAccuracy(),
                100 * raw.miou(), 100 * raw.pixelAccuracy(), 100 * (features.miou() - raw.miou()), seconds, out.toAbsolutePath());
        return 0;
    }

    /** seg-linear on every (t, block), from features extracted once per t, scored on the validation images. */
    private List<Cell> grid(StateDict weights, SegData train, SegData val) throws IOException {
        FeatureTaps taps = taps(weights, s.blocks().stream().max(Integer::compare).orElseThrow());
        SegTrainConfig tc = new SegTrainConfig(s.gridIterations(), s.batch(), s.lr(), 0, 0, 1.0, s.seed(), 100, s.gridIterations());
        List<Cell> cells = new ArrayList<>();
        for (int t : s.timesteps()) {
            FeatureBatches tr = FeatureBatches.extract(taps, train, t, s.blocks(), 100);
            FeatureBatches va = FeatureBatches.extract(taps, val, t, s.blocks(), 100);
            for (int b : s.blocks()) {
                SegHeadConfig head = new SegHeadConfig(SegHeadKind.SEG_LINEAR, List.of(t), List.of(b), train.numClasses(), 0, 0);
                SegGraph g = SegGraph.onFeatures(head, config, s.seed());
                SegMetrics.Result r = new SegTrainer(g, tr.block(b), va.block(b), tc, out.resolve("runs").resolve("grid_t" + t + "_b" + b),
                        describe(), train.classNames()).optProgress(false).run(false);
                cells.add(new Cell(t, b, r.miou()));
                System.err.printf(Locale.ROOT, "grid t=%d block %d: validation mIoU %.2f%%%n", t, b, 100 * r.miou());
            }
        }
        return cells;
    }

    /** The frozen U-Net up to {@code deepest}, with one fixed noise draw per (image, t). */
    private FeatureTaps taps(StateDict weights, int deepest) {
        AdmUNet net = AdmUNet.builder(config).setWeights(weights).optUpToBlock(deepest).build();
        return new FeatureTaps(net, DiffusionSchedule.linear1000()).optNoise(NoiseSource.perImage(Seeds.mix(s.seed(), 20)));
    }

    private ObjectNode describe() {
        ObjectNode run = SegTrainer.JSON.createObjectNode();
        run.put("demo", "fashion-mnist segmentation");
        run.put("model", config.name());
        run.put("model_sha256", modelSha256);
        return run;
    }

    private static int[] sorted(int[] order, int from, int to) {
        int[] part = Arrays.copyOfRange(order, from, Math.min(to, order.length));
        Arrays.sort(part);
        return part;
    }

    private void writeResults(List<Cell> grid, Cell best, SegMetrics.Result features, SegMetrics.Result raw, SegData train, SegData test,
                              SegHeadConfig head, SegTrainConfig tc, double seconds) throws IOException {
        ObjectNode r = SegTrainer.JSON.createObjectNode();
        r.put("miou", pct(features.miou()));
        r.put("raw_pixel_miou", pct(raw.miou()));
        r.put("gain_over_raw_pixel", pct(features.miou() - raw.miou()));
        r.put("pixel_accuracy", pct(features.pixelAccuracy()));
        r.put("raw_pixel_pixel_accuracy", pct(raw.pixelAccuracy()));
        r.put("mean_accuracy", pct(features.meanAccuracy()));
        r.put("raw_pixel_mean_accuracy", pct(raw.meanAccuracy()));
        r.putObject("best").put("t", best.t()).put("block", best.block()).put("validation_miou", pct(best.miou()));
        ArrayNode table = r.putArray("per_class");
        for (int k = 0; k < train.numClasses(); k++) {
            ObjectNode row = table.addObject().put("class", train.classNames().get(k));
            putPct(row, "iou", features.iou()[k]);
            putPct(row, "raw_pixel_iou", raw.iou()[k]);
        }
        ArrayNode g = r.putArray("grid");
        for (Cell c : grid) g.addObject().put("t", c.t()).put("block", c.block()).put("validation_miou", pct(c.miou()));
        ObjectNode c = r.putObject("config");
        c.put("model", config.name());
        c.put("model_file", modelFile.getFileName().toString());
        c.put("model_sha256", modelSha256);
        c.put("task", "each 32 px (padded) pixel: background (8-bit value <= " + FashionMnistSegData.FOREGROUND_THRESHOLD
                + ") or the image's garment class; 11 classes, none ignored");
        c.put("train", train.describe());
        c.put("test", test.describe());
        c.put("grid", String.format(Locale.ROOT, "seg-linear on features extracted once per t (one fixed noise draw, no flip) of %d training images,"
                + " %d iterations of batch 32, scored on %d other training images", s.gridTrain(), s.gridIterations(), s.gridVal()));
        c.set("head", SegTrainer.JSON.valueToTree(head));
        c.set("training", SegTrainer.JSON.valueToTree(tc));
        c.put("training_note", "seg-linear on the best cell's features extracted once (one fixed noise draw per image, no flip: SameDiff's"
                + " fixed cost per step makes graph-native training, U-Net in the loop, too slow for the ten-minute budget on 2 cores);"
                + " AdamW without weight decay, poly decay (power 1) to 0");
        c.put("raw_pixel", "the same seg-linear (1x1 conv, 11 outputs) on the clean pixel value alone, same images, iterations and lr");
        c.put("metric", "mmseg: per class IoU = sum of intersections / sum of unions over the test images; mIoU over classes with a union");
        c.put("seed", s.seed());
        r.put("seconds", Math.round(seconds));
        AtomicFiles.writeString(out.resolve("results.json"), SegTrainer.JSON.writeValueAsString(r));
    }

    private static double pct(double v) {
        return Math.round(v * 10000) / 100.0;
    }

    private static void putPct(ObjectNode row, String key, double v) {
        if (Double.isNaN(v)) row.putNull(key);
        else row.put(key, pct(v));
    }

    /** Colour of class k: background black, the ten garments from a qualitative palette. */
    private static final int[] PALETTE = {0x000000, 0xE6194B, 0x3CB44B, 0xFFE119, 0x4363D8, 0xF58231, 0x911EB4, 0x46F0F0, 0xF032E6,
            0xBCF60C, 0xFABEBE};

    /** Eight test images in columns; rows: image, ground truth, seg-linear on U-Net features, raw pixel; legend below. */
    private void writeFigure(SegGraph diffusion, FeatureBatches testFeatures, SegGraph pixels, SegData test, SegHeadConfig head, Path file)
            throws IOException {
        int n = Math.min(8, test.size());
        int[] idx = Feeder.range(0, n);
        int side = FashionMnistImages.SIDE;
        int scale = 4;
        int cell = side * scale;
        int left = 150;
        int legend = 60;
        BufferedImage img = new BufferedImage(left + n * (cell + 4), 4 * (cell + 4) + legend, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        SegBatches.Eval eval = testFeatures.eval(idx);
        SegBatches.Eval evalPixels = new SegFeeder(test, SegGraph.Input.PIXELS, List.of(), s.seed()).eval(idx);
        int[][] featurePred = predict(diffusion, eval, n);
        int[][] rawPred = predict(pixels, evalPixels, n);
        float[] px = test.evalBatch(idx).images().dup('c').data().asFloat();
        String[] rows = {"image", "ground truth", "seg-linear t=" + head.timesteps().get(0) + " b" + head.blocks().get(0), "raw pixel"};
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int r = 0; r < rows.length; r++) g.drawString(rows[r], 6, r * (cell + 4) + cell / 2);
        for (int i = 0; i < n; i++) {
            int x0 = left + i * (cell + 4);
            int[] truth = eval.targets().get(i).labels();
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    int p = y * side + x;
                    int v = Math.round((px[i * side * side + p] + 1) * 127.5f);
                    int[] colours = {v << 16 | v << 8 | v, PALETTE[truth[p]], PALETTE[featurePred[i][p]], PALETTE[rawPred[i][p]]};
                    for (int r = 0; r < 4; r++) {
                        g.setColor(new Color(colours[r]));
                        g.fillRect(x0 + x * scale, r * (cell + 4) + y * scale, scale, scale);
                    }
                }
            }
        }
        List<String> names = test.classNames();
        int lx = 6;
        int ly = 4 * (cell + 4) + 18;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int k = 0; k < names.size(); k++) {
            if (lx > img.getWidth() - 110) {
                lx = 6;
                ly += 20;
            }
            g.setColor(new Color(PALETTE[k]));
            g.fillRect(lx, ly - 10, 12, 12);
            g.setColor(Color.BLACK);
            g.drawRect(lx, ly - 10, 12, 12);
            g.drawString(names.get(k), lx + 16, ly);
            lx += 22 + g.getFontMetrics().stringWidth(names.get(k)) + 10;
        }
        g.dispose();
        Path tmp = AtomicFiles.tempFor(file);
        try {
            ImageIO.write(img, "png", tmp.toFile());
            AtomicFiles.publish(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static int[][] predict(SegGraph graph, SegBatches.Eval batch, int n) {
        Map<String, INDArray> ph = new HashMap<>(batch.inputs());
        INDArray logits = graph.sameDiff().output(ph, SegGraph.LOGITS).get(SegGraph.LOGITS);
        int k = (int) logits.size(1);
        int side = (int) logits.size(2);
        float[] all = logits.castTo(DataType.FLOAT).dup('c').data().asFloat();
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) out[i] = SegEvaluator.predict(all, i * k * side * side, k, side, side, side, side);
        return out;
    }
}
