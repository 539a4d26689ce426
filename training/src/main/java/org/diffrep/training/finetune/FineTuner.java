package org.diffrep.training.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import me.tongfei.progressbar.ProgressBar;
import org.diffrep.common.UserInputException;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.model.runtime.TrainingStep;
import org.diffrep.training.data.Seeds;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.train.Checkpoint;
import org.diffrep.training.train.EpochMetrics;
import org.diffrep.training.train.Feeder;
import org.diffrep.training.train.Optimizer;
import org.diffrep.training.train.ProgressBars;
import org.diffrep.training.train.RunDifference;
import org.diffrep.training.train.Scoring;
import org.diffrep.training.train.TrainConfig;
import org.diffrep.training.train.Trainer;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fine-tunes a {@link FineTuneGraph}: head and unfrozen U-Net parameters, each group with its own
 * optimizer state and learning rate (the backbone's follows the same StepLR schedule, scaled by
 * backboneLr / lr). Writes the heads trainer's files with the same semantics ({@link Trainer#RUN},
 * {@link Trainer#METRICS}, {@link Trainer#CHECKPOINT} atomically after every epoch,
 * {@link Trainer#SUMMARY}); the checkpoint also holds the fine-tuned U-Net parameters under their
 * state_dict keys, so resume continues exactly (same seeded shuffles, noise and transform draws).
 */
public final class FineTuner {

    private static final Logger log = LoggerFactory.getLogger(FineTuner.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String OPT_HEAD = "optimizer_head/";
    private static final String OPT_BACKBONE = "optimizer_backbone/";

    private final FineTuneGraph graph;
    private final Feeder train;
    private final Feeder eval;
    private final TrainConfig config;
    private final double backboneLr;
    private final Path out;
    private final ObjectNode run;
    private boolean progress = true;
    private int accumulate = 1;

    public FineTuner(FineTuneGraph graph, Feeder train, Feeder eval, TrainConfig config, double backboneLr, Path out, ObjectNode run) {
        if (train.numClasses() != graph.head().numClasses()) {
            throw new UserInputException("dataset has " + train.numClasses() + " classes, head " + graph.head().numClasses());
        }
        if (!(backboneLr >= 0)) throw new UserInputException("backbone lr must be >= 0");
        this.graph = graph;
        this.train = train;
        this.eval = eval;
        this.config = config;
        this.backboneLr = backboneLr;
        this.out = out;
        this.run = run.deepCopy();
        this.run.put("mode", "finetune");
        this.run.set("head", JSON.valueToTree(graph.head()));
        this.run.set("train", JSON.valueToTree(config));
        this.run.put("backbone_lr", backboneLr);
        this.run.put("frozen_blocks", graph.frozenBlocks());
        this.run.put("accumulate", 1);
        this.run.put("train_data", train.describe());
        this.run.put("eval_data", eval.describe());
        ObjectNode counts = this.run.putObject("parameters");
        counts.put("head", graph.count(graph.headNames()));
        counts.put("backbone_trained", graph.count(graph.backboneNames()));
        counts.put("backbone_frozen", graph.count(graph.frozenNames()));
    }

    /**
     * Optimizer step every {@code micro} batches of {@code config.batchSize()} with their mean
     * gradient: the effective batch is batchSize·micro at the activation memory of one batch (the
     * heads have no batch statistics, so this equals training with the large batch).
     */
    public FineTuner optAccumulate(int micro) {
        if (micro < 1) throw new UserInputException("accumulation must be >= 1");
        this.accumulate = micro;
        this.run.put("accumulate", micro);
        return this;
    }

    public FineTuner optProgress(boolean show) {
        this.progress = show;
        return this;
    }

    public List<EpochMetrics> run(boolean resume) throws IOException {
        Files.createDirectories(out);
        Optimizer headOpt = new Optimizer(config);
        Optimizer backboneOpt = new Optimizer(config);
        List<EpochMetrics> history = new ArrayList<>();
        int start = 0;
        Path ckpt = out.resolve(Trainer.CHECKPOINT);
        if (resume && Files.isRegularFile(ckpt)) {
            start = restore(Checkpoint.read(ckpt), headOpt, backboneOpt, history);
            log.info("resuming {} after epoch {}", out, start);
        } else if (Files.isRegularFile(ckpt)) {
            throw new UserInputException(out + " already holds a checkpoint: pass --resume to continue it or choose another --out");
        }
        AtomicFiles.writeString(out.resolve(Trainer.RUN), JSON.writeValueAsString(run));
        TrainingStep.prepare(graph.sameDiff(), graph.trainableNames());
        long begin = System.nanoTime();
        for (int epoch = start; epoch < config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            double lr = config.lrAt(epoch);
            double[] stats = trainEpoch(epoch, lr, lr * backboneLr / config.lr(), headOpt, backboneOpt);
            double[] ev = evaluate(graph, eval, config.evalBatch(), progress);
            EpochMetrics m = new EpochMetrics(epoch + 1, lr, stats[0], stats[1], ev[0], ev[1], ev[2], (System.nanoTime() - t0) / 1e9);
            history.add(m);
            log.info("epoch {}/{}: lr {} (backbone {}) train loss {} top-1 {} | eval loss {} top-1 {} top-5 {} ({} s)", m.epoch(),
                    config.epochs(), fmt(lr), fmt(lr * backboneLr / config.lr()), fmt(m.trainLoss()), fmt(m.trainTop1()),
                    fmt(m.evalLoss()), fmt(m.evalTop1()), fmt(m.evalTop5()), fmt(m.seconds()));
            saveCheckpoint(ckpt, epoch + 1, headOpt, backboneOpt, history);
            writeMetrics(history);
        }
        writeSummary(history, (System.nanoTime() - begin) / 1e9);
        return history;
    }

    private double[] trainEpoch(int epoch, double lr, double lrBackbone, Optimizer headOpt, Optimizer backboneOpt) {
        int n = train.size();
        int[] order = Seeds.permutation(n, Seeds.mix(config.seed(), epoch, 7));
        int step = config.batchSize() * accumulate;
        int steps = (n + step - 1) / step;
        Map<String, INDArray> headParams = arrays(graph.headNames());
        Map<String, INDArray> backboneParams = arrays(graph.backboneNames());
        List<String> gradFor = graph.trainableNames();
        double lossSum = 0;
        long correct = 0;
        try (ProgressBar bar = ProgressBars.open("finetune " + (epoch + 1) + "/" + config.epochs(), steps, progress)) {
            for (int s = 0; s < steps; s++) {
                int from = s * step;
                int to = Math.min(n, from + step);
                Map<String, INDArray> grads = new HashMap<>();
                for (int m = from; m < to; m += config.batchSize()) {
                    int[] idx = Arrays.copyOfRange(order, m, Math.min(to, m + config.batchSize()));
                    Map<String, INDArray> ph = new HashMap<>(train.inputs(idx, epoch));
                    ph.put(ClassifierGraph.LABELS, Scoring.oneHot(train, idx));
                    OutAndGrad r = graph.sameDiff().calculateGradientsAndOutputs(ph, List.of(ClassifierGraph.LOSS, ClassifierGraph.LOGITS), gradFor);
                    // each micro-batch's loss is a mean: weight it by its share of the step so the sum is the step's mean gradient
                    double share = (double) idx.length / (to - from);
                    r.getGradients().forEach((k, g) -> {
                        INDArray acc = grads.get(k);
                        if (acc == null) grads.put(k, share == 1 ? g : g.mul(share));
                        else acc.addi(g.mul(share));
                    });
                    double loss = r.getOutputs().get(ClassifierGraph.LOSS).getDouble(0);
                    lossSum += loss * idx.length;
                    correct += Scoring.topKHits(r.getOutputs().get(ClassifierGraph.LOGITS), train, idx, 1);
                    if (bar != null) bar.setExtraMessage(" loss " + fmt(loss));
                }
                headOpt.apply(headParams, grads, lr);
                if (!backboneParams.isEmpty() && lrBackbone > 0) backboneOpt.apply(backboneParams, grads, lrBackbone);
                if (bar != null) bar.step();
            }
        }
        return new double[]{lossSum / n, (double) correct / n};
    }

    private Map<String, INDArray> arrays(List<String> names) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String name : names) m.put(name, graph.array(name));
        return m;
    }

    /** Loss, top-1 and top-5 on every image of a split, in order (ties count against the true class). */
    public static double[] evaluate(FineTuneGraph graph, Feeder data, int batchSize, boolean progress) {
        int n = data.size();
        double lossSum = 0;
        long top1 = 0;
        long top5 = 0;
        try (ProgressBar bar = ProgressBars.open("eval", (n + batchSize - 1) / batchSize, progress)) {
            for (int start = 0; start < n; start += batchSize) {
                int[] idx = Feeder.range(start, Math.min(start + batchSize, n));
                INDArray logits = graph.sameDiff().output(data.inputs(idx, Feeder.EVAL), ClassifierGraph.LOGITS).get(ClassifierGraph.LOGITS);
                lossSum += Scoring.crossEntropySum(logits, data, idx);
                top1 += Scoring.topKHits(logits, data, idx, 1);
                top5 += Scoring.topKHits(logits, data, idx, 5);
                if (bar != null) bar.step();
            }
        }
        return new double[]{lossSum / n, (double) top1 / n, (double) top5 / n};
    }

    private void saveCheckpoint(Path file, int epochsDone, Optimizer headOpt, Optimizer backboneOpt, List<EpochMetrics> history) throws IOException {
        ObjectNode state = JSON.createObjectNode();
        state.put("epochs_done", epochsDone);
        state.put("optimizer_step", headOpt.step());
        state.put("backbone_optimizer_step", backboneOpt.step());
        state.set("run", run);
        state.set("metrics", JSON.valueToTree(history));
        Map<String, Map<String, INDArray>> optimizerStates = new LinkedHashMap<>();
        optimizerStates.put(OPT_HEAD, headOpt.state());
        optimizerStates.put(OPT_BACKBONE, backboneOpt.state());
        new Checkpoint(JSON.writeValueAsString(state), Checkpoint.arraysOf(graph, optimizerStates)).write(file);
    }

    private int restore(Checkpoint c, Optimizer headOpt, Optimizer backboneOpt, List<EpochMetrics> history) throws IOException {
        ObjectNode state = (ObjectNode) JSON.readTree(c.json());
        RunDifference.requireSame(out, comparable((ObjectNode) state.get("run")), comparable(run));
        c.loadInto(graph);
        headOpt.restore(state.get("optimizer_step").asLong(), c.prefixed(OPT_HEAD));
        backboneOpt.restore(state.get("backbone_optimizer_step").asLong(), c.prefixed(OPT_BACKBONE));
        for (var m : (ArrayNode) state.get("metrics")) history.add(JSON.treeToValue(m, EpochMetrics.class));
        return state.get("epochs_done").asInt();
    }


    private static ObjectNode comparable(ObjectNode run) {
        ObjectNode c = run.deepCopy();
        c.remove("provenance");
        ((ObjectNode) c.get("train")).remove("epochs");
        return c;
    }

    private void writeMetrics(List<EpochMetrics> history) throws IOException {
        StringBuilder sb = new StringBuilder(EpochMetrics.CSV_HEADER).append('\n');
        for (EpochMetrics m : history) sb.append(m.csv()).append('\n');
        AtomicFiles.writeString(out.resolve(Trainer.METRICS), sb.toString());
    }

    private void writeSummary(List<EpochMetrics> history, double seconds) throws IOException {
        ObjectNode s = JSON.createObjectNode();
        s.set("run", run);
        if (!history.isEmpty()) s.set("final", JSON.valueToTree(history.get(history.size() - 1)));
        s.set("epochs", JSON.valueToTree(history));
        s.put("seconds_this_invocation", seconds);
        AtomicFiles.writeString(out.resolve(Trainer.SUMMARY), JSON.writeValueAsString(s));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
