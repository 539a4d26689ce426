package org.diffrep.training.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.UserInputException;
import org.diffrep.common.cli.Cli;
import org.diffrep.common.provenance.Provenance;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.training.cache.CachedSplit;
import org.diffrep.training.cache.FeatureCache;
import org.diffrep.training.cache.FeatureExtractor;
import org.diffrep.training.cli.GivenOptions;
import org.diffrep.training.data.FashionMnistImages;
import org.diffrep.training.data.Inputs;
import org.diffrep.training.data.ShippedFiles;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.plot.Heatmap;
import org.diffrep.training.probe.FeatureMatrix;
import org.diffrep.training.seg.SegmentationDemo;
import org.diffrep.training.probe.LogisticRegression;
import org.diffrep.training.train.EpochMetrics;
import org.diffrep.training.train.OptimizerKind;
import org.diffrep.training.train.TrainConfig;
import org.diffrep.training.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * {@code diffrep demo}: the paper's central finding on Fashion-MNIST with what ships in the
 * repository. Features of the pretrained adm-fmnist U-Net over a grid of noise steps × every block
 * are cached, a linear probe is trained on each (2×2 average pooled, and globally pooled) and a
 * linear probe on raw pixels trained the same way is the baseline. At the best cell the Attention
 * head, the linear probe and the raw-pixel probe then meet on a larger training subset.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Diffusion features vs raw pixels on Fashion-MNIST, with the shipped adm-fmnist model and data.",
                "Extracts block features for every (t, block) of the grid on a seeded subset (default 1,000 train / 1,000 test"
                + " images; --full for all 70,000), fits a linear probe per cell (2x2 average pooled and global average pooled,"
                + " features standardised, logistic regression by L-BFGS) and the same linear probe on raw pixels; then, at the"
                + " best cell and on --head-train-size training images, the Attention head against the linear probe and raw pixels.",
                "Prints a table and writes results.json, heatmap.png (2x2) and heatmap-global.png into --out."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--task", defaultValue = "classification",
            description = "classification (the probes and heads above) or segmentation (each pixel background or its garment's class:"
                    + " seg-linear on the best (t, block) of a small grid against the same classifier on the raw pixel; results.json and"
                    + " segmentation.png) (default: ${DEFAULT-VALUE})")
    String task;
    @Option(names = {"--checkpoint", "--model"}, description = "EMA weights (.npz/.pt) (default: the shipped " + ShippedFiles.MODEL + ")")
    Path model;
    @Option(names = "--config", defaultValue = "adm-fmnist", description = "ADM config of the model (default: ${DEFAULT-VALUE})")
    String config;
    @Option(names = {"--root", "--data"}, description = "Fashion-MNIST root (default: the shipped " + ShippedFiles.DATA + ")")
    Path data;
    @Option(names = "--out", defaultValue = "demo-out", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--cache", description = "feature cache directory (default: <out>/cache)")
    Path cacheDir;
    @Option(names = "--train-size", defaultValue = "1000", description = "training images, a seeded random subset (default: ${DEFAULT-VALUE})")
    int trainSize;
    @Option(names = "--test-size", defaultValue = "1000", description = "test images, a seeded random subset (default: ${DEFAULT-VALUE})")
    int testSize;
    @Option(names = "--head-train-size", defaultValue = "4000", description = "training images of the head-to-head at the best cell"
            + " (Attention head, linear probe, raw pixels); a superset of the grid's (default: ${DEFAULT-VALUE})")
    int headTrainSize;
    @Option(names = "--full", description = "all 60,000 training and 10,000 test images (hours on a laptop CPU)")
    boolean full;
    @Option(names = "--t", split = ",", defaultValue = "10,50,100,200,400", description = "noise steps (default: ${DEFAULT-VALUE})")
    List<Integer> timesteps;
    @Option(names = "--blocks", split = ",", description = "blocks (default: every block of the model)")
    List<Integer> blocks;
    @Option(names = "--l2", defaultValue = "1e-4", description = "linear probes: weight of the L2 penalty on the weights (default: ${DEFAULT-VALUE})")
    double l2;
    @Option(names = "--probe-iterations", defaultValue = "100", description = "linear probes: L-BFGS iterations (default: ${DEFAULT-VALUE})")
    int probeIterations;
    @Option(names = "--probe-threads", description = "linear probes fitted at once (default: the number of cores)")
    int probeThreads = Runtime.getRuntime().availableProcessors();
    @Option(names = "--attention-epochs", defaultValue = "40", description = "Attention-head epochs (default: ${DEFAULT-VALUE})")
    int attentionEpochs;
    @Option(names = "--attention-lr", defaultValue = "2e-3", description = "Adam learning rate of the Attention head, x0.1 after 2/3 of the epochs (default: ${DEFAULT-VALUE})")
    double attentionLr;
    @Option(names = "--attention-weight-decay", defaultValue = "1e-4", description = "Attention head: L2 weight decay (default: ${DEFAULT-VALUE})")
    double attentionWeightDecay;
    @Option(names = "--attention-tokens", defaultValue = "4", description = "Attention head: block features average-pooled to NxN tokens (default: ${DEFAULT-VALUE})")
    int attentionTokens;
    @Option(names = "--attention-dim", defaultValue = "64", description = "Attention head: token width (default: ${DEFAULT-VALUE})")
    int attentionDim;
    @Option(names = "--attention-depth", defaultValue = "1", description = "Attention head: transformer blocks (default: ${DEFAULT-VALUE})")
    int attentionDepth;
    @Option(names = "--attention-draws", defaultValue = "4", description = "Attention head: cached draws of noise and random flip per training image, one per epoch (default: ${DEFAULT-VALUE})")
    int attentionDraws;
    @Option(names = "--attention-standardize", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Attention head: standardise its input features with the training mean/std, as the linear probes do (default: ${DEFAULT-VALUE})")
    boolean attentionStandardize;
    @Option(names = "--batch", defaultValue = "64", description = "Attention-head training batch (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--extract-batch", defaultValue = "100", description = "images per U-Net forward of the grid (default: ${DEFAULT-VALUE})")
    int extractBatch;
    @Option(names = "--head-extract-batch", defaultValue = "250", description = "images per U-Net forward of the head to head, which stops"
            + " at the best block: larger batches pay there on CPU (bench forward: 121 vs 80 images/s at 250 vs 100 for adm-fmnist to block 13)"
            + " (default: ${DEFAULT-VALUE})")
    int headExtractBatch;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seed", defaultValue = "0", description = "subsets, noise and head initialisation (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--no-progress", description = "no progress bars")
    boolean noProgress;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Top-1 (%) of one probe. */
    record Cell(int t, int block, double top1, double top1Global) {}

    /** What --task segmentation takes (its grid, subsets and head are SegmentationDemo's own). */
    private static final Set<String> SEGMENTATION_OPTIONS = Set.of("--task", "--checkpoint", "--config", "--root", "--out", "--seed",
            "--no-progress", "--help", "--version");

    @Override
    public Integer call() throws Exception {
        Provenance provenance = Provenance.start(spec);
        long begin = System.nanoTime();
        boolean segmentation = task.equalsIgnoreCase("segmentation");
        if (!segmentation && !task.equalsIgnoreCase("classification")) {
            throw new UserInputException("--task is classification or segmentation, not " + task);
        }
        if (segmentation) {
            // the launcher's inherited options (--verbose) are no task's
            List<String> classificationOnly = spec.options().stream().filter(o -> !o.inherited())
                    .filter(o -> Collections.disjoint(List.of(o.names()), SEGMENTATION_OPTIONS)).map(o -> o.longestName()).toList();
            GivenOptions.refuse(spec, classificationOnly, "--task classification", "the segmentation demo does not use it");
        }
        Inputs in = Inputs.builder().optDataset(Inputs.DEFAULT_DATASET).optRoot(data).optConfig(config).optCheckpoint(model).build();
        if (segmentation) {
            return new SegmentationDemo(in.config(), in.checkpoint(), in.checkpointSha256(), in.openDataset(), out,
                    SegmentationDemo.defaults(seed), !noProgress).run();
        }
        Path modelFile = in.checkpoint();
        AdmConfig cfg = in.config();
        if (cfg.inChannels() != 1 || cfg.imageSize() != FashionMnistImages.SIDE) {
            throw new UserInputException("the demo feeds Fashion-MNIST as 1-channel " + FashionMnistImages.SIDE + " px images; "
                    + cfg.name() + " takes " + cfg.inChannels() + "-channel " + cfg.imageSize() + " px images");
        }
        ImageDataset ds = in.openDataset();
        FashionMnistImages trainAll = FashionMnistImages.of(ds, "train", false);
        FashionMnistImages testAll = FashionMnistImages.of(ds, "test", false);
        int[] trainPositions = full ? IntStream.range(0, trainAll.size()).toArray() : subset(trainAll.size(), trainSize, seed);
        FashionMnistImages train = trainAll.subset(trainPositions);
        FashionMnistImages test = full ? testAll : testAll.subset(subset(testAll.size(), testSize, seed + 1));

        List<Integer> bs = blocks != null ? List.copyOf(blocks)
                : IntStream.rangeClosed(1, cfg.layout().numBlocks()).boxed().collect(Collectors.toList());
        Files.createDirectories(out);
        FeatureCache cache = new FeatureCache(cacheDir != null ? cacheDir : out.resolve("cache")).optProgress(!noProgress);
        // the weights are read only if a feature is missing from the cache
        FeatureExtractor backbone = in.extractor(bs.stream().mapToInt(Integer::intValue).max().orElseThrow());
        note("%s (%s), %s / %s; t %s x blocks %s%n", cfg.name(), modelFile, train.describe(),
                test.describe(), timesteps, bs);

        // one pass over the data fills every (t, block) of the grid; probes then open single cells
        cache.ensure(request(train, timesteps, bs, Pooling.avg(2)), backbone).close();
        cache.ensure(request(test, timesteps, bs, Pooling.avg(2)), backbone).close();

        Path runs = out.resolve("runs");
        deleteRecursively(runs);
        List<Cell> grid = probeGrid(cache, backbone, train, test, bs);
        Cell best = grid.stream().max(Comparator.comparingDouble(Cell::top1)).orElseThrow();
        Cell bestGlobal = grid.stream().max(Comparator.comparingDouble(Cell::top1Global)).orElseThrow();

        FeatureExtractor pixels = new PixelExtractor(cfg.inChannels(), cfg.imageSize());
        FeatureMatrix[] pixelSplit = matrices(cache, pixels, train, test, 0, PixelExtractor.BLOCK, Pooling.NONE);
        double raw = FeatureMatrix.probeTop1(linearProbe(), pixelSplit[0], pixelSplit[1], FeatureMatrix::flat);

        // head to head at the best cell, on more training images: the Attention head needs them to overtake the probe
        int[] headPositions = full ? trainPositions : subset(trainAll.size(), Math.max(headTrainSize, train.size()), seed);
        FashionMnistImages headTrain = trainAll.subset(headPositions);
        FashionMnistImages headTrainFlipped = FashionMnistImages.of(ds, "train", true).subset(headPositions);
        HeadConfig attention = HeadConfig.builder(HeadKind.ATTENTION, List.of(best.t()), List.of(best.block()), train.numClasses())
                .optTransformer(attentionDim, 4, 2.0, attentionDepth).optPoolCap(attentionTokens).optStandardize(attentionStandardize).build();
        HeadToHead h2h = headToHead(cache, backbone, pixels, headTrain, headTrainFlipped, test, best, attention,
                runs.resolve("attention_t" + best.t() + "_b" + best.block()));

        double seconds = (System.nanoTime() - begin) / 1e9;
        printTable(grid, timesteps, bs, best, bestGlobal, raw, h2h, train, test, seconds);
        writeResults(provenance.optModel(cfg.name(), modelFile, in.checkpointSha256()).optDataset(in.dataset())
                .optSplit("train", train.describe()).optSplit("test", test.describe()).optSeed("subsets_noise_heads", seed),
                cfg, modelFile, in.checkpointSha256(), train, test, bs, grid, best, bestGlobal, raw, h2h, attention, seconds);
        writeHeatmap(grid, timesteps, bs, Cell::top1, "linear probe top-1 (%), 2x2 avg-pooled " + cfg.name()
                + " features; raw pixels " + pct(raw), out.resolve("heatmap.png"));
        writeHeatmap(grid, timesteps, bs, Cell::top1Global, "linear probe top-1 (%), globally pooled " + cfg.name()
                + " features; raw pixels " + pct(raw), out.resolve("heatmap-global.png"));
        return 0;
    }

    /** Accuracy over (t, block): blocks along x, noise steps along y, in the orange scale of the README's figures. */
    private static void writeHeatmap(List<Cell> grid, List<Integer> ts, List<Integer> blocks, ToDoubleFunction<Cell> value,
                                     String title, Path png) throws IOException {
        Heatmap map = Heatmap.of(blocks, ts).title(title).axes("block", "t").series("top-1 %")
                .colors(new Color(255, 245, 235), new Color(253, 174, 107), new Color(166, 54, 3))
                .size(Math.max(700, 60 * blocks.size() + 200), 120 + 70 * ts.size());
        for (Cell c : grid) map.set(blocks.indexOf(c.block()), ts.indexOf(c.t()), Math.round(value.applyAsDouble(c) * 10) / 10.0);
        map.writePng(png);
    }

    /**
     * Linear probes (2×2 and global pooling) on every cell, {@code probeThreads} cells at a time: the
     * fits are small enough that ND4J runs each of their ops on one core.
     */
    private List<Cell> probeGrid(FeatureCache cache, FeatureExtractor backbone, FashionMnistImages train, FashionMnistImages test,
                                 List<Integer> bs) throws Exception {
        int total = timesteps.size() * bs.size();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(probeThreads);
        try {
            List<Future<Cell>> cells = new ArrayList<>();
            for (int t : timesteps) {
                for (int b : bs) {
                    FeatureMatrix[] split = matrices(cache, backbone, train, test, t, b, Pooling.avg(2));
                    cells.add(pool.submit(() -> {
                        double p2 = FeatureMatrix.probeTop1(linearProbe(), split[0], split[1], FeatureMatrix::flat);
                        double p1 = FeatureMatrix.probeTop1(linearProbe(), split[0], split[1], FeatureMatrix::spatialMean);
                        int k = done.incrementAndGet();
                        if (!noProgress) note("probe %d/%d: t=%d block %d: 2x2 %.2f%%, global %.2f%%%n", k, total, t, b, p2, p1);
                        return new Cell(t, b, p2, p1);
                    }));
                }
            }
            List<Cell> grid = new ArrayList<>();
            for (Future<Cell> f : cells) grid.add(f.get());
            return grid;
        } finally {
            pool.shutdownNow();
        }
    }

    private FeatureCache.Request request(FashionMnistImages source, List<Integer> ts, List<Integer> bs, Pooling pooling) {
        return new FeatureCache.Request(source, ts, bs, b -> pooling, seed, 1, extractBatch);
    }

    private FeatureCache.Request headRequest(FashionMnistImages source, Cell cell, Pooling pooling, int draws) {
        return new FeatureCache.Request(source, List.of(cell.t()), List.of(cell.block()), b -> pooling, seed, draws, headExtractBatch);
    }

    private LogisticRegression linearProbe() {
        return new LogisticRegression(l2, probeIterations, LogisticRegression.TOLERANCE);
    }

    /** The evaluation features of one cached (t, block), train and test, in memory. */
    private FeatureMatrix[] matrices(FeatureCache cache, FeatureExtractor ex, FashionMnistImages train, FashionMnistImages test,
                                     int t, int block, Pooling cached) throws IOException {
        try (CachedSplit tr = cache.ensure(request(train, List.of(t), List.of(block), cached), ex);
             CachedSplit te = cache.ensure(request(test, List.of(t), List.of(block), cached), ex)) {
            return new FeatureMatrix[] {FeatureMatrix.read(tr, 1000), FeatureMatrix.read(te, 1000)};
        }
    }

    /** Top-1 (%) of the head-to-head at the best cell, all trained on the same {@code trainSize} images. */
    record HeadToHead(int trainSize, double rawPixel, double linear, double attention) {}

    /**
     * At one cell, each head trained by its usual protocol on the same images: the Attention head on
     * block features average-pooled to attentionTokens² tokens in attentionDraws draws of noise and
     * random flip per image (one draw per epoch, as the official code draws fresh ones every epoch;
     * top-1 of the last epoch), the linear probe on those tokens of the unflipped images pooled on to
     * 2×2 (the grid's input), the raw-pixel probe on the unflipped pixels.
     */
    private HeadToHead headToHead(FeatureCache cache, FeatureExtractor ex, FeatureExtractor pixels, FashionMnistImages train,
                                  FashionMnistImages trainFlipped, FashionMnistImages test, Cell cell, HeadConfig head, Path dir)
            throws IOException {
        Pooling tokens = Pooling.avg(attentionTokens);
        try (CachedSplit plain = cache.ensure(headRequest(train, cell, tokens, 1), ex);
             CachedSplit tr = cache.ensure(headRequest(trainFlipped, cell, tokens, attentionDraws), ex);
             CachedSplit te = cache.ensure(headRequest(test, cell, tokens, 1), ex)) {
            Function<FeatureMatrix, INDArray> pooled2x2 = m -> Pooling.avg(2).apply(m.features());
            double linear = FeatureMatrix.probeTop1(linearProbe(), FeatureMatrix.read(plain, 1000), FeatureMatrix.read(te, 1000), pooled2x2);

            ClassifierGraph graph = ClassifierGraph.onFeatures(head, tr.shapes(), seed);
            TrainConfig tc = TrainConfig.builder(attentionLr, batch).optEpochs(attentionEpochs).optOptimizer(OptimizerKind.ADAM)
                    .optWeightDecay(attentionWeightDecay).optLrSchedule(Math.max(1, attentionEpochs * 2 / 3), 0.1).optSeed(seed)
                    .optEvalBatch(500).build();
            ObjectNode run = JSON.createObjectNode().put("demo", "fashion-mnist").put("t", cell.t()).put("block", cell.block());
            // one thread per op: the head's thousands of tiny ops per step would mostly wait for a second one
            List<EpochMetrics> h = new Trainer(graph, tr, te, tc, dir, run).optProgress(!noProgress).optEpochLog(false)
                    .optThreadsPerOp(1).run(false);
            double attention = 100 * h.get(h.size() - 1).evalTop1();

            FeatureMatrix[] px = matrices(cache, pixels, train, test, 0, PixelExtractor.BLOCK, Pooling.NONE);
            double raw = FeatureMatrix.probeTop1(linearProbe(), px[0], px[1], FeatureMatrix::flat);
            return new HeadToHead(train.size(), raw, linear, attention);
        }
    }

    static int[] subset(int n, int k, long seed) {
        if (k >= n) return IntStream.range(0, n).toArray();
        int[] p = IntStream.range(0, n).toArray();
        Random r = new Random(seed);
        for (int i = 0; i < k; i++) {
            int j = i + r.nextInt(n - i);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        int[] s = java.util.Arrays.copyOf(p, k);
        java.util.Arrays.sort(s);
        return s;
    }

    private void printTable(List<Cell> grid, List<Integer> ts, List<Integer> bs, Cell best, Cell bestGlobal, double raw, HeadToHead h2h,
                            FashionMnistImages train, FashionMnistImages test, double seconds) {
        StringBuilder sb = new StringBuilder();
        for (String[] kind : new String[][] {{"2x2 avg-pooled", "avg"}, {"global avg-pooled", "global"}}) {
            sb.append(String.format(Locale.ROOT, "%nlinear probe, test top-1 (%%), %s block features (%d train / %d test images)%n",
                    kind[0], train.size(), test.size()));
            sb.append(String.format(Locale.ROOT, "%6s", "t\\b"));
            for (int b : bs) sb.append(String.format(Locale.ROOT, "%6d", b));
            sb.append('\n');
            for (int t : ts) {
                sb.append(String.format(Locale.ROOT, "%6d", t));
                for (int b : bs) {
                    Cell c = grid.stream().filter(g -> g.t() == t && g.block() == b).findFirst().orElseThrow();
                    sb.append(String.format(Locale.ROOT, "%6.1f", kind[1].equals("avg") ? c.top1() : c.top1Global()));
                }
                sb.append('\n');
            }
        }
        sb.append(String.format(Locale.ROOT, "%nraw pixels, same linear probe:        %6.2f%%%n", raw));
        sb.append(String.format(Locale.ROOT, "best linear probe (2x2), t=%d block %d: %6.2f%%  (%+.2f points over raw pixels)%n",
                best.t(), best.block(), best.top1(), best.top1() - raw));
        sb.append(String.format(Locale.ROOT, "best linear probe (global), t=%d block %d: %6.2f%%  (%+.2f)%n",
                bestGlobal.t(), bestGlobal.block(), bestGlobal.top1Global(), bestGlobal.top1Global() - raw));
        sb.append(String.format(Locale.ROOT, "%nhead to head at t=%d block %d, %d train / %d test images:%n",
                best.t(), best.block(), h2h.trainSize(), test.size()));
        sb.append(String.format(Locale.ROOT, "  raw pixels, linear probe:           %6.2f%%%n", h2h.rawPixel()));
        sb.append(String.format(Locale.ROOT, "  linear probe (2x2):                 %6.2f%%  (%+.2f)%n", h2h.linear(), h2h.linear() - h2h.rawPixel()));
        sb.append(String.format(Locale.ROOT, "  Attention head (noise + flip draws): %6.2f%%  (%+.2f over the linear probe)%n",
                h2h.attention(), h2h.attention() - h2h.linear()));
        sb.append(String.format(Locale.ROOT, "(%.0f s; results.json, heatmap.png in %s)%n", seconds, out.toAbsolutePath()));
        spec.commandLine().getOut().print(sb);
        spec.commandLine().getOut().flush();
    }

    private void writeResults(Provenance provenance, AdmConfig cfg, Path modelFile, String modelSha256, FashionMnistImages train, FashionMnistImages test, List<Integer> bs,
                              List<Cell> grid, Cell best, Cell bestGlobal, double raw, HeadToHead h2h, HeadConfig attention,
                              double seconds) throws IOException {
        ObjectNode r = JSON.createObjectNode();
        ObjectNode c = r.putObject("config");
        c.set("model_config", JSON.valueToTree(cfg.toFlags()));
        c.put("model", modelFile.toString());
        c.put("model_sha256", modelSha256);
        c.put("train", train.describe());
        c.put("test", test.describe());
        c.put("train_size", train.size());
        c.put("test_size", test.size());
        c.set("timesteps", JSON.valueToTree(timesteps));
        c.set("blocks", JSON.valueToTree(bs));
        c.put("seed", seed);
        c.put("noise", "one fixed draw of eps per (image, t), seeded by (seed, image id, t)");
        c.put("linear_probe", String.format(Locale.ROOT, "features standardised with train mean/std, multinomial logistic regression,"
                + " loss = mean cross-entropy + %s * ||W||^2, full-batch L-BFGS, at most %d iterations; the same for raw pixels", l2, probeIterations));
        c.set("attention_head", JSON.valueToTree(attention));
        c.put("head_to_head", String.format(Locale.ROOT, "at the best cell of the grid, on the same %d training images (a superset"
                + " of the grid's), each head by its usual protocol: the linear probes on the unflipped images (features: the Attention"
                + " head's tokens pooled to 2x2, the grid's input), the Attention head on its noise and flip draws", h2h.trainSize()));
        c.put("attention_input", String.format(Locale.ROOT, "block features average-pooled to %dx%d tokens, %s; %d draws of noise"
                + " and random horizontal flip per training image, one per epoch", attentionTokens, attentionTokens,
                attentionStandardize ? "standardised per feature with the mean/std of the training features (first draw)" : "not standardised",
                attentionDraws));
        c.put("attention_training", String.format(Locale.ROOT, "Adam lr %s (x0.1 after %d epochs), L2 %s, batch %d, %d epochs;"
                + " top-1 of the last epoch", attentionLr, Math.max(1, attentionEpochs * 2 / 3), attentionWeightDecay, batch, attentionEpochs));
        c.put("selection", "the best cell is picked on the test subset (best_linear is optimistic by a fraction of a point;"
                + " the head-to-head fits its probes afresh on more training images)");
        ArrayNode g = r.putArray("grid");
        for (Cell cell : grid) {
            g.addObject().put("t", cell.t()).put("block", cell.block()).put("top1", round(cell.top1()))
                    .put("top1_global", round(cell.top1Global()));
        }
        r.putObject("best_linear").put("t", best.t()).put("block", best.block()).put("pooling", "avg:2").put("top1", round(best.top1()));
        r.putObject("best_linear_global").put("t", bestGlobal.t()).put("block", bestGlobal.block()).put("pooling", "global")
                .put("top1", round(bestGlobal.top1Global()));
        r.putObject("raw_pixel").put("top1", round(raw));
        r.putObject("attention").put("t", best.t()).put("block", best.block()).put("train_size", h2h.trainSize())
                .put("top1", round(h2h.attention()));
        r.putObject("head_to_head").put("t", best.t()).put("block", best.block()).put("train_size", h2h.trainSize())
                .put("raw_pixel", round(h2h.rawPixel())).put("linear", round(h2h.linear())).put("attention", round(h2h.attention()));
        r.put("gain_over_raw_pixel", round(best.top1() - raw));
        r.put("seconds", Math.round(seconds));
        r.set("provenance", provenance.finish().toJson());
        AtomicFiles.writeString(out.resolve("results.json"), JSON.writeValueAsString(r));
    }

    /** A progress line on the command's error stream, shown at once. */
    private void note(String format, Object... args) {
        java.io.PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, format, args);
        err.flush();
    }

    private static double round(double pct) {
        return Math.round(pct * 100) / 100.0;
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", v);
    }


    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    public static void main(String[] args) {
        Cli.main(new DemoCommand(), args);
    }
}
