package org.diffrep.training.seg;

import org.diffrep.common.UserInputException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import me.tongfei.progressbar.ProgressBar;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.model.runtime.TrainingStep;
import org.diffrep.training.data.Seeds;
import org.diffrep.training.heads.Layers;
import org.diffrep.training.train.Checkpoint;
import org.diffrep.training.train.ProgressBars;
import org.diffrep.training.train.RunDifference;
import org.diffrep.training.train.Trainer;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
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
import java.util.Locale;
import java.util.Map;

/**
 * Trains a {@link SegGraph}'s head for a number of iterations, then scores it. Iteration i takes the
 * images at positions i·B … i·B + B − 1 of an endless sequence of seeded shuffles of the split, with
 * transform and noise drawn from (seed, i); so a run resumed from {@code checkpoint.bin} (written
 * atomically every {@code checkpointEvery} iterations and at the end, with the AdamW state) continues
 * exactly as if it had never stopped. Writes run.json, metrics.csv (mean loss per checkpoint interval),
 * checkpoint.bin and summary.json ("miou", "mean_accuracy", "pixel_accuracy" in percent, and the
 * per-class table).
 */
public final class SegTrainer {

    private static final Logger log = LoggerFactory.getLogger(SegTrainer.class);
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    public static final String TASK = "semantic-segmentation";

    private final SegGraph graph;
    private final SegBatches train;
    private final SegBatches eval;
    private final SegTrainConfig config;
    private final Path out;
    private final ObjectNode run;
    private final List<String> classNames;
    private boolean progress = true;
    private int stopAfter = Integer.MAX_VALUE;
    private SegEvaluator.SlidingWindow window;

    /** Mean training loss over the iterations since the previous row. */
    public record LogRow(int iteration, double lr, double loss, double seconds) {}

    public SegTrainer(SegGraph graph, SegBatches train, SegBatches eval, SegTrainConfig config, Path out, ObjectNode run,
                      List<String> classNames) {
        this.graph = graph;
        this.train = train;
        this.eval = eval;
        this.config = config;
        this.out = out;
        this.classNames = List.copyOf(classNames);
        this.run = run.deepCopy();
        this.run.put("task", TASK);
        this.run.set("seg_head", JSON.valueToTree(graph.head()));
        this.run.set("seg_train", JSON.valueToTree(config));
        this.run.put("train_data", train.describe());
        this.run.put("eval_data", eval.describe());
        this.run.put("input", graph.input().name().toLowerCase(Locale.ROOT));
        this.run.put("trainable_parameters", graph.parameterCount().total());
        if (graph.head().hasFeedback()) this.run.put("feedback_parameters", graph.parameterCount().feedback());
    }

    public SegTrainer optProgress(boolean show) {
        this.progress = show;
        return this;
    }

    /**
     * Stops after {@code iterations} more iterations with a checkpoint (no evaluation, no summary);
     * a later {@code run(true)} continues exactly.
     */
    public SegTrainer optStopAfter(Integer iterations) {
        if (iterations != null && iterations < 1) throw new UserInputException("--stop-after must be >= 1");
        this.stopAfter = iterations == null ? Integer.MAX_VALUE : iterations;
        return this;
    }

    /** Evaluates with windows over the images instead of whole images (null: whole). */
    public SegTrainer optSlidingWindow(SegEvaluator.SlidingWindow window) {
        this.window = window;
        return this;
    }

    /**
     * Trains (continuing a checkpoint when {@code resume}), evaluates and writes the summary; returns
     * null when {@link #optStopAfter} ended this invocation before the last iteration.
     */
    public SegMetrics.Result run(boolean resume) throws IOException {
        Files.createDirectories(out);
        AdamW opt = new AdamW(config.weightDecay());
        List<LogRow> history = new ArrayList<>();
        Path ckpt = out.resolve(Trainer.CHECKPOINT);
        int start = 0;
        if (resume && Files.isRegularFile(ckpt)) {
            start = restore(Checkpoint.read(ckpt), opt, history);
            log.info("resuming {} after iteration {}", out, start);
        } else if (Files.isRegularFile(ckpt)) {
            throw new UserInputException(out + " already holds a checkpoint: pass --resume to continue it or choose another --out");
        }
        AtomicFiles.writeString(out.resolve(Trainer.RUN), JSON.writeValueAsString(run));
        TrainingStep.prepare(graph.sameDiff(), graph.trainableNames());
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String name : graph.trainableNames()) params.put(name, graph.array(name));
        List<String> outputs = new ArrayList<>(List.of(SegGraph.LOSS));
        for (Layers.BatchNorm bn : graph.batchNorms()) {
            outputs.add(bn.batchMean().name());
            outputs.add(bn.batchVar().name());
        }
        int end = (int) Math.min(config.iterations(), (long) start + stopAfter);
        long begin = System.nanoTime();
        long intervalStart = System.nanoTime();
        double lossSum = 0;
        int lossCount = 0;
        try (ProgressBar bar = ProgressBars.open("train", config.iterations(), progress)) {
            if (bar != null) bar.stepTo(start);
            for (int it = start; it < end; it++) {
                int[] idx = batchIndices(it);
                SegBatches.Train batch = train.train(idx, it);
                Map<String, INDArray> ph = new HashMap<>(batch.inputs());
                ph.put(SegGraph.LABELS, oneHot(batch.labels(), graph.head().numClasses()));
                if (!graph.batchNorms().isEmpty()) ph.put(SegGraph.BN_TRAIN, Nd4j.ones(DataType.FLOAT, 1));
                OutAndGrad r = graph.sameDiff().calculateGradientsAndOutputs(ph, outputs, graph.trainableNames());
                double lr = config.lrAt(it);
                opt.apply(params, r.getGradients(), lr);
                updateRunningStats(r.getOutputs(), idx.length);
                double loss = r.getOutputs().get(SegGraph.LOSS).getDouble(0);
                if (!Double.isFinite(loss)) throw new UserInputException("loss became " + loss + " at iteration " + (it + 1) + ": lower --lr");
                lossSum += loss;
                lossCount++;
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", loss));
                }
                boolean last = it + 1 == end;
                if ((it + 1) % config.checkpointEvery() == 0 || last) {
                    history.add(new LogRow(it + 1, lr, lossSum / lossCount, (System.nanoTime() - intervalStart) / 1e9));
                    log.debug("iteration {}/{}: lr {} loss {}", it + 1, config.iterations(), lr, lossSum / lossCount);
                    lossSum = 0;
                    lossCount = 0;
                    intervalStart = System.nanoTime();
                    saveCheckpoint(ckpt, it + 1, opt, history);
                    writeMetrics(history);
                }
            }
        }
        double trainSeconds = (System.nanoTime() - begin) / 1e9;
        if (end < config.iterations()) {
            log.info("stopped after iteration {} of {}: continue with --resume", end, config.iterations());
            return null;
        }
        SegMetrics.Result result = SegEvaluator.evaluate(graph, eval, config.evalBatch(), window, null, progress);
        writeSummary(out, run, result, classNames, history, trainSeconds);
        return result;
    }

    /** Positions i·B … i·B + B − 1 of the endless sequence of per-pass seeded permutations. */
    int[] batchIndices(int iteration) {
        int n = train.size();
        int[] idx = new int[config.batchSize()];
        int[] perm = null;
        long permPass = -1;
        for (int j = 0; j < idx.length; j++) {
            long q = (long) iteration * config.batchSize() + j;
            long pass = q / n;
            if (pass != permPass) {
                perm = Seeds.permutation(n, Seeds.mix(config.seed(), pass, 7));
                permPass = pass;
            }
            idx[j] = perm[(int) (q % n)];
        }
        return idx;
    }

    /** One-hot rows [labels, K]; an ignored pixel is a row of zeros, so it adds nothing to the loss. */
    static INDArray oneHot(int[] labels, int k) {
        float[] data = new float[labels.length * k];
        for (int i = 0; i < labels.length; i++) {
            int l = labels[i];
            if (l == SegData.IGNORE) continue;
            if (l < 0 || l >= k) throw new IllegalArgumentException("label " + l + " outside 0.." + (k - 1) + " and not the ignore index");
            data[i * k + l] = 1f;
        }
        return Nd4j.createFromArray(data).reshape(labels.length, k);
    }

    private void updateRunningStats(Map<String, INDArray> outputs, int batch) {
        for (Layers.BatchNorm bn : graph.batchNorms()) {
            long count = (long) batch * graph.rowsPerImage(bn) * bn.spatial();
            double unbias = count > 1 ? (double) count / (count - 1) : 1;
            INDArray rm = graph.array(bn.runningMean());
            INDArray rv = graph.array(bn.runningVar());
            rm.muli(1 - Layers.BN_MOMENTUM).addi(outputs.get(bn.batchMean().name()).mul(Layers.BN_MOMENTUM));
            rv.muli(1 - Layers.BN_MOMENTUM).addi(outputs.get(bn.batchVar().name()).mul(Layers.BN_MOMENTUM * unbias));
        }
    }

    private void saveCheckpoint(Path file, int done, AdamW opt, List<LogRow> history) throws IOException {
        ObjectNode state = JSON.createObjectNode();
        state.put("iterations_done", done);
        state.put("optimizer_step", opt.step());
        state.set("run", run);
        state.set("log", JSON.valueToTree(history));
        new Checkpoint(JSON.writeValueAsString(state), Checkpoint.arraysOf(graph, Map.of(Checkpoint.OPTIMIZER, opt.state()))).write(file);
    }

    private int restore(Checkpoint c, AdamW opt, List<LogRow> history) throws IOException {
        ObjectNode state = (ObjectNode) JSON.readTree(c.json());
        RunDifference.requireSame(out, comparable((ObjectNode) state.get("run")), comparable(run));
        c.loadInto(graph);
        opt.restore(state.get("optimizer_step").asLong(), c.prefixed(Checkpoint.OPTIMIZER));
        for (var row : (ArrayNode) state.get("log")) history.add(JSON.treeToValue(row, LogRow.class));
        return state.get("iterations_done").asInt();
    }

    private static ObjectNode comparable(ObjectNode run) {
        ObjectNode c = run.deepCopy();
        c.remove("provenance");
        return c;
    }

    private void writeMetrics(List<LogRow> history) throws IOException {
        StringBuilder sb = new StringBuilder("iteration,lr,train_loss,seconds\n");
        for (LogRow r : history) {
            sb.append(String.format(Locale.ROOT, "%d,%.6g,%.6f,%.2f%n", r.iteration(), r.lr(), r.loss(), r.seconds()));
        }
        AtomicFiles.writeString(out.resolve(Trainer.METRICS), sb.toString());
    }

    /** summary.json: the run, the scores in percent and the per-class table (null where a class has no IoU). */
    static void writeSummary(Path out, ObjectNode run, SegMetrics.Result r, List<String> classNames, List<LogRow> history,
                             double trainSeconds) throws IOException {
        ObjectNode s = scores(r, classNames);
        s.set("run", run);
        if (history != null) s.set("log", JSON.valueToTree(history));
        if (trainSeconds >= 0) s.put("train_seconds_this_invocation", Math.round(trainSeconds * 10) / 10.0);
        AtomicFiles.writeString(out.resolve(Trainer.SUMMARY), JSON.writeValueAsString(s));
    }

    /** The metrics as JSON: "miou", "mean_accuracy", "pixel_accuracy" (percent), classes scored, per-class IoU and accuracy. */
    public static ObjectNode scores(SegMetrics.Result r, List<String> classNames) {
        ObjectNode s = JSON.createObjectNode();
        s.put("miou", pct(r.miou()));
        s.put("mean_accuracy", pct(r.meanAccuracy()));
        s.put("pixel_accuracy", pct(r.pixelAccuracy()));
        s.put("classes_scored", r.presentClasses().size());
        s.put("pixels_scored", r.scoredPixels());
        ArrayNode table = s.putArray("per_class");
        for (int k = 0; k < r.iou().length; k++) {
            ObjectNode row = table.addObject();
            row.put("class", k < classNames.size() ? classNames.get(k) : "class_" + k);
            if (Double.isNaN(r.iou()[k])) row.putNull("iou");
            else row.put("iou", pct(r.iou()[k]));
            if (Double.isNaN(r.accuracy()[k])) row.putNull("accuracy");
            else row.put("accuracy", pct(r.accuracy()[k]));
        }
        return s;
    }

    private static double pct(double v) {
        return Double.isNaN(v) ? Double.NaN : Math.round(v * 10000) / 100.0;
    }
}
