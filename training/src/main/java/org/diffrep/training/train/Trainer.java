package org.diffrep.training.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import me.tongfei.progressbar.ProgressBar;
import org.diffrep.common.UserInputException;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.model.runtime.OpThreads;
import org.diffrep.model.runtime.TrainingStep;
import org.diffrep.training.data.Seeds;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.Layers;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a {@link ClassifierGraph}'s head: per epoch a seeded shuffle, forward + backward with
 * {@code calculateGradientsAndOutputs} (the loss is read from that call, since SameDiff's History
 * reports 0), an SGD/Adam update of the head's arrays in place, evaluation (top-1/top-5), a row in
 * {@code metrics.csv} and an atomically replaced {@code checkpoint.bin}. Everything random is a
 * function of (seed, epoch, image), so {@link #run} with resume continues a killed run to the same
 * result as an uninterrupted one.
 */
public final class Trainer {

    private static final Logger log = LoggerFactory.getLogger(Trainer.class);
    public static final String CHECKPOINT = "checkpoint.bin";
    public static final String METRICS = "metrics.csv";
    public static final String SUMMARY = "summary.json";
    public static final String RUN = "run.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ClassifierGraph graph;
    private final Feeder train;
    private final Feeder eval;
    private final TrainConfig config;
    private final Path out;
    private final ObjectNode run;
    private boolean progress = true;
    private boolean epochLog = true;
    private int threadsPerOp;
    private EpochListener listener = m -> { };

    /** Called after each epoch's checkpoint is on disk. */
    @FunctionalInterface
    public interface EpochListener {
        void epochDone(EpochMetrics metrics);
    }

    /**
     * @param run the run description stored in run.json, summary.json and the checkpoint (head and
     *            train configs are added here); a resumed run must describe the same run
     */
    public Trainer(ClassifierGraph graph, Feeder train, Feeder eval, TrainConfig config, Path out, ObjectNode run) {
        if (train.numClasses() != graph.head().numClasses()) {
            throw new UserInputException("dataset has " + train.numClasses() + " classes, head " + graph.head().numClasses());
        }
        this.graph = graph;
        this.train = train;
        this.eval = eval;
        this.config = config;
        this.out = out;
        this.run = run.deepCopy();
        this.run.set("head", JSON.valueToTree(graph.head()));
        this.run.set("train", JSON.valueToTree(config));
        this.run.put("train_data", train.describe());
        this.run.put("eval_data", eval.describe());
        this.run.put("input", graph.input().name().toLowerCase(java.util.Locale.ROOT));
        this.run.put("trainable_parameters", graph.parameterCount().total());
    }

    /** Log each epoch's metrics at INFO (default) or, for runs embedded in a larger command (demo, sweep), at DEBUG. */
    public Trainer optEpochLog(boolean info) {
        this.epochLog = info;
        return this;
    }

    public Trainer optProgress(boolean show) {
        this.progress = show;
        return this;
    }

    /**
     * Runs training and evaluation on at most {@code threads} ND4J threads per op, restoring the
     * previous count afterwards; 0 (the default) keeps ND4J's ({@code OMP_NUM_THREADS}, else every
     * core). For heads of tiny ops: the demo's attention head (17 tokens of width 64) trained in
     * 142 s on one thread against 168 s on two ({@link OpThreads}).
     */
    public Trainer optThreadsPerOp(int threads) {
        if (threads < 0) throw new IllegalArgumentException("threads per op must be >= 0, got " + threads);
        this.threadsPerOp = threads;
        return this;
    }

    public Trainer optEpochListener(EpochListener l) {
        this.listener = l;
        return this;
    }

    /**
     * Trains up to {@code config.epochs()}. With {@code resume}, a checkpoint in the output directory
     * (which must come from the same run description) is loaded and training continues after it.
     */
    public List<EpochMetrics> run(boolean resume) throws IOException {
        try (OpThreads ignored = OpThreads.atMost(threadsPerOp)) {
            return train(resume);
        }
    }

    private List<EpochMetrics> train(boolean resume) throws IOException {
        Files.createDirectories(out);
        Optimizer opt = new Optimizer(config);
        List<EpochMetrics> history = new ArrayList<>();
        int start = 0;
        Path ckpt = out.resolve(CHECKPOINT);
        if (resume && Files.isRegularFile(ckpt)) {
            start = restore(Checkpoint.read(ckpt), opt, history);
            log.info("resuming {} after epoch {}", out, start);
        } else if (Files.isRegularFile(ckpt)) {
            throw new UserInputException(out + " already holds a checkpoint: pass --resume to continue it or choose another --out");
        } else if (graph.head().standardize()) {
            fitStandardization(graph, train, config.evalBatch());
        }
        AtomicFiles.writeString(out.resolve(RUN), JSON.writeValueAsString(run));
        TrainingStep.prepare(graph.sameDiff(), graph.trainableNames());
        long begin = System.nanoTime();
        for (int epoch = start; epoch < config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            double lr = config.lrAt(epoch);
            double[] trainStats = trainEpoch(epoch, lr, opt);
            Evaluation ev = evaluate(graph, eval, config.evalBatch(), progress);
            EpochMetrics m = new EpochMetrics(epoch + 1, lr, trainStats[0], trainStats[1], ev.loss(), ev.top1(), ev.top5(),
                    (System.nanoTime() - t0) / 1e9);
            history.add(m);
            log.atLevel(epochLog ? org.slf4j.event.Level.INFO : org.slf4j.event.Level.DEBUG).log("epoch {}/{}: lr {} train loss {} top-1 {} | eval loss {} top-1 {} top-5 {} ({} s)", m.epoch(), config.epochs(),
                    fmt(lr), fmt(m.trainLoss()), fmt(m.trainTop1()), fmt(m.evalLoss()), fmt(m.evalTop1()), fmt(m.evalTop5()), fmt(m.seconds()));
            saveCheckpoint(ckpt, epoch + 1, opt, history);
            writeMetrics(history);
            listener.epochDone(m);
        }
        writeSummary(history, (System.nanoTime() - begin) / 1e9);
        return history;
    }

    /**
     * Sets a standardising head's input constants to the per-feature mean and standard deviation of
     * the split's evaluation inputs (first cached draw). A resumed run takes them from its checkpoint.
     */
    public static void fitStandardization(ClassifierGraph graph, Feeder data, int batchSize) {
        Map<Integer, FeatureStatistics> stats = new LinkedHashMap<>();
        for (int b : graph.head().blocks()) stats.put(b, new FeatureStatistics());
        for (int start = 0; start < data.size(); start += batchSize) {
            Map<String, INDArray> in = data.inputs(Feeder.range(start, Math.min(start + batchSize, data.size())), Feeder.EVAL);
            stats.forEach((b, s) -> s.add(in.get(ClassifierGraph.featureName(b))));
        }
        stats.forEach((b, s) -> {
            ClassifierGraph.Standardization names = ClassifierGraph.standardization(b);
            graph.array(names.mean()).assign(s.mean());
            graph.array(names.std()).assign(s.std());
        });
    }

    private double[] trainEpoch(int epoch, double lr, Optimizer opt) {
        int n = train.size();
        int[] order = Seeds.permutation(n, Seeds.mix(config.seed(), epoch, 7));
        int batches = (n + config.batchSize() - 1) / config.batchSize();
        List<String> outputs = new ArrayList<>(List.of(ClassifierGraph.LOSS, ClassifierGraph.LOGITS));
        for (Layers.BatchNorm bn : graph.batchNorms()) {
            outputs.add(bn.batchMean().name());
            outputs.add(bn.batchVar().name());
        }
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String name : graph.trainableNames()) params.put(name, graph.array(name));
        double lossSum = 0;
        long correct = 0;
        try (ProgressBar bar = ProgressBars.open("epoch " + (epoch + 1) + "/" + config.epochs(), batches, progress)) {
            for (int b = 0; b < batches; b++) {
                int[] idx = java.util.Arrays.copyOfRange(order, b * config.batchSize(), Math.min(n, (b + 1) * config.batchSize()));
                Map<String, INDArray> ph = new HashMap<>(train.inputs(idx, epoch));
                ph.put(ClassifierGraph.LABELS, Scoring.oneHot(train, idx));
                if (!graph.batchNorms().isEmpty()) ph.put(ClassifierGraph.BN_TRAIN, Nd4j.ones(1));
                OutAndGrad r = graph.sameDiff().calculateGradientsAndOutputs(ph, outputs, graph.trainableNames());
                opt.apply(params, r.getGradients(), lr);
                updateRunningStats(r.getOutputs(), ph);
                double loss = r.getOutputs().get(ClassifierGraph.LOSS).getDouble(0);
                lossSum += loss * idx.length;
                correct += Scoring.topKHits(r.getOutputs().get(ClassifierGraph.LOGITS), train, idx, 1);
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(" loss " + fmt(loss));
                }
            }
        }
        return new double[]{lossSum / n, (double) correct / n};
    }

    private void updateRunningStats(Map<String, INDArray> outputs, Map<String, INDArray> ph) {
        for (Layers.BatchNorm bn : graph.batchNorms()) {
            long count = graph.input() == ClassifierGraph.Input.IMAGES ? ph.get(org.diffrep.model.unet.AdmUNet.INPUT).size(0) * bn.spatial() : 0;
            double unbias = count > 1 ? (double) count / (count - 1) : 1;
            INDArray rm = graph.array(bn.runningMean());
            INDArray rv = graph.array(bn.runningVar());
            rm.muli(1 - Layers.BN_MOMENTUM).addi(outputs.get(bn.batchMean().name()).mul(Layers.BN_MOMENTUM));
            rv.muli(1 - Layers.BN_MOMENTUM).addi(outputs.get(bn.batchVar().name()).mul(Layers.BN_MOMENTUM * unbias));
        }
    }

    /** Loss and top-1/top-5 of the graph on a split, in order, every image once. */
    public static Evaluation evaluate(ClassifierGraph graph, Feeder data, int batchSize, boolean progress) {
        int n = data.size();
        double lossSum = 0;
        long top1 = 0;
        long top5 = 0;
        int batches = (n + batchSize - 1) / batchSize;
        try (ProgressBar bar = ProgressBars.open("eval", batches, progress)) {
            for (int start = 0; start < n; start += batchSize) {
                int[] idx = Feeder.range(start, Math.min(start + batchSize, n));
                Map<String, INDArray> ph = new HashMap<>(data.inputs(idx, Feeder.EVAL));
                if (!graph.batchNorms().isEmpty()) ph.put(ClassifierGraph.BN_TRAIN, Nd4j.zeros(1));
                INDArray logits = graph.sameDiff().output(ph, ClassifierGraph.LOGITS).get(ClassifierGraph.LOGITS);
                lossSum += Scoring.crossEntropySum(logits, data, idx);
                top1 += Scoring.topKHits(logits, data, idx, 1);
                top5 += Scoring.topKHits(logits, data, idx, 5);
                if (bar != null) bar.step();
            }
        }
        return new Evaluation(lossSum / n, (double) top1 / n, (double) top5 / n, n);
    }

    public record Evaluation(double loss, double top1, double top5, int count) {}

    private void saveCheckpoint(Path file, int epochsDone, Optimizer opt, List<EpochMetrics> history) throws IOException {
        ObjectNode state = JSON.createObjectNode();
        state.put("epochs_done", epochsDone);
        state.put("optimizer_step", opt.step());
        state.set("run", run);
        state.set("metrics", JSON.valueToTree(history));
        new Checkpoint(JSON.writeValueAsString(state), Checkpoint.arraysOf(graph, Map.of(Checkpoint.OPTIMIZER, opt.state()))).write(file);
    }

    private int restore(Checkpoint c, Optimizer opt, List<EpochMetrics> history) throws IOException {
        ObjectNode state = (ObjectNode) JSON.readTree(c.json());
        RunDifference.requireSame(out, comparable((ObjectNode) state.get("run")), comparable(run));
        c.loadInto(graph);
        opt.restore(state.get("optimizer_step").asLong(), c.prefixed(Checkpoint.OPTIMIZER));
        for (var m : (ArrayNode) state.get("metrics")) history.add(JSON.treeToValue(m, EpochMetrics.class));
        return state.get("epochs_done").asInt();
    }

    /** The run description without what may legitimately change between a run and its resumption. */
    private static ObjectNode comparable(ObjectNode run) {
        ObjectNode c = run.deepCopy();
        c.remove("provenance");
        ((ObjectNode) c.get("train")).remove("epochs");
        return c;
    }

    private void writeMetrics(List<EpochMetrics> history) throws IOException {
        StringBuilder sb = new StringBuilder(EpochMetrics.CSV_HEADER).append('\n');
        for (EpochMetrics m : history) sb.append(m.csv()).append('\n');
        AtomicFiles.writeString(out.resolve(METRICS), sb.toString());
    }

    private void writeSummary(List<EpochMetrics> history, double seconds) throws IOException {
        ObjectNode s = JSON.createObjectNode();
        s.set("run", run);
        s.set("parameters", JSON.valueToTree(graph.parameterCount()));
        if (!history.isEmpty()) s.set("final", JSON.valueToTree(history.get(history.size() - 1)));
        s.set("epochs", JSON.valueToTree(history));
        s.put("seconds_this_invocation", seconds);
        AtomicFiles.writeString(out.resolve(SUMMARY), JSON.writeValueAsString(s));
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4f", v);
    }
}
