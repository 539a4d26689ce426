package org.diffrep.training.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.UserInputException;
import org.diffrep.common.provenance.Provenance;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.model.checkpoint.NpzWriter;
import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.runtime.TrainingStep;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Seeds;
import org.diffrep.training.train.Checkpoint;
import org.diffrep.training.train.Optimizer;
import org.diffrep.training.train.OptimizerKind;
import org.diffrep.training.train.TrainConfig;
import org.diffrep.training.train.Trainer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * DDPM pre-training of an ADM U-Net in SameDiff (Ho et al. / guided-diffusion's simple loss): x0
 * from the data, t ~ U{0..T-1}, ε ~ N(0, I), loss = mean (ε̂(x_t, t) − ε)². One step is a SameDiff
 * forward + backward ({@code calculateGradientsAndOutputs}, which also yields the loss, since
 * SameDiff's History reports 0), clipping of the global gradient norm, an Adam update with linear
 * warm-up and an EMA update with guided-diffusion's warm-up {@code min(max, (1+n)/(10+n))}.
 * <p>
 * Batch order, t, ε and flips of step s are pure functions of (seed, s), so a run resumed from a
 * checkpoint continues exactly as the uninterrupted run would have.
 */
public final class DdpmTrainer {

    /** Files of a run directory written by {@link #train}. */
    public static final String STATE = "state.ckpt";
    public static final String EMA = "ema.npz";
    public static final String WEIGHTS = "weights.npz";
    public static final String LOSS_CSV = "loss.csv";
    public static final String LOSS_PNG = "loss.png";
    public static final String RUN_JSON = "run.json";

    public static final String NOISE = "eps";
    public static final String LOSS = "ddpm_loss";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param batch      images per step
     * @param lr         peak Adam learning rate
     * @param warmup     steps of linear learning-rate warm-up
     * @param clip       maximum global gradient norm (≤ 0: no clipping)
     * @param emaDecay   upper bound of the EMA decay
     * @param seed       seeds the initialisation and every random draw
     */
    public record Options(int batch, double lr, int warmup, double clip, double emaDecay, long seed) {
        public Options {
            if (batch < 1 || !(lr > 0) || warmup < 0 || emaDecay < 0 || emaDecay >= 1) {
                throw new UserInputException("bad pretraining options: " + this);
            }
        }
    }

    /**
     * How far one {@link #train} call goes.
     *
     * @param steps           total optimizer steps of the run (not of this call)
     * @param checkpointEvery steps between checkpoints
     * @param maxMinutes      stop after a checkpoint once this much wall time has passed in this call (≤ 0: no limit)
     */
    public record RunLimits(long steps, int checkpointEvery, double maxMinutes) {
        public RunLimits {
            if (steps < 0 || checkpointEvery < 1) throw new UserInputException("bad pretraining limits: " + this);
        }
    }

    /** What one {@link #train} call did: steps taken and wall time. */
    public record RunSummary(long stepsDone, double seconds) {}

    /** What one step did: the loss before the update, the gradient norm before clipping and the learning rate used. */
    public record StepResult(long step, double loss, double gradNorm, double lr) {}

    /** Told of each step of {@link #train} once its loss.csv row is written (the pretrain command's progress bar). */
    @FunctionalInterface
    public interface StepListener {
        void stepDone(StepResult result);
    }

    private final AdmConfig config;
    private final Options options;
    private final ImageSource data;
    private final AdmUNet unet;
    private final DiffusionSchedule schedule = DiffusionSchedule.linear1000();
    private final Map<String, INDArray> params = new LinkedHashMap<>();
    private final Map<String, INDArray> ema = new LinkedHashMap<>();
    private final Optimizer adam;
    private long step;
    private int microBatch = Integer.MAX_VALUE;
    private long permEpoch = -1;
    private int[] perm;
    private StepListener listener = r -> { };

    private DdpmTrainer(AdmConfig config, Options options, ImageSource data, java.util.function.Function<String, INDArray> weights,
                        boolean random) {
        if (data.size() < 1) throw new UserInputException("no training images");
        this.config = config;
        this.options = options;
        this.data = data;
        AdmUNet.Builder b = AdmUNet.builder(config).optTrainable(true);
        this.unet = (random ? b.optRandomWeights(options.seed()) : b.setWeights(weights)).build();
        SameDiff sd = unet.sameDiff();
        int s = config.imageSize();
        SDVariable eps = sd.placeHolder(NOISE, DataType.FLOAT, -1, config.outChannels(), s, s);
        SDVariable out = sd.getVariable(AdmUNet.OUTPUT);
        sd.math().squaredDifference(out, eps).mean().rename(LOSS);
        sd.setLossVariables(LOSS);
        for (String k : unet.parameterNames()) {
            params.put(k, sd.getVariable(k).getArr());
            ema.put(k, sd.getVariable(k).getArr().dup());
        }
        this.adam = new Optimizer(TrainConfig.builder(options.lr(), options.batch()).optOptimizer(OptimizerKind.ADAM).optSeed(options.seed()).build());
        TrainingStep.prepare(sd, new java.util.ArrayList<>(params.keySet()));
    }

    public DdpmTrainer optStepListener(StepListener l) {
        this.listener = l;
        return this;
    }

    /** A freshly initialised model (guided-diffusion's init, zeroed output convolutions). */
    public static DdpmTrainer create(AdmConfig config, ImageSource data, Options options) {
        if (config.outChannels() != config.inChannels()) {
            throw new UserInputException("ε-prediction needs out_channels == in_channels (no learned sigma); "
                    + config.name() + " has " + config.outChannels() + " and " + config.inChannels());
        }
        return new DdpmTrainer(config, options, data, null, true);
    }

    /** Continues from a {@link #save} checkpoint: weights, EMA, Adam moments, step and options. */
    public static DdpmTrainer resume(Path checkpoint, ImageSource data) throws IOException {
        Checkpoint c = Checkpoint.read(checkpoint);
        JsonNode j = JSON.readTree(c.json());
        AdmConfig config = AdmConfig.fromJson(j.get("config"), j.get("config").get("name").asText());
        Options o = JSON.treeToValue(j.get("options"), Options.class);
        DdpmTrainer t = new DdpmTrainer(config, o, data, k -> c.arrays().get("param/" + k), false);
        t.step = j.get("step").asLong();
        t.ema.forEach((k, a) -> a.assign(c.arrays().get("ema/" + k)));
        Map<String, INDArray> state = new LinkedHashMap<>();
        c.arrays().forEach((k, a) -> {
            if (!k.startsWith("param/") && !k.startsWith("ema/")) state.put(k, a);
        });
        t.adam.restore(t.step, state);
        return t;
    }

    /**
     * Trains until {@code limits.steps()} (or the time limit) into run directory {@code out}: loss.csv row per step,
     * a checkpoint (ema.npz, weights.npz, state.ckpt, loss.png) every {@code checkpointEvery} steps and at the end,
     * and run.json before and after with the provenance. Status lines go to {@code status}.
     */
    public RunSummary train(Path out, RunLimits limits, Provenance provenance, PrintWriter status) throws IOException {
        Files.createDirectories(out);
        writeRunInfo(out, limits.steps(), provenance);
        LossLog log = new LossLog(out.resolve(LOSS_CSV), step);
        long start = System.nanoTime();
        long startStep = step;
        while (step < limits.steps()) {
            StepResult r = trainStep();
            double elapsed = (System.nanoTime() - start) / 1e9;
            log.append(new LossLog.Row(r.step(), r.loss(), r.gradNorm(), r.lr(), elapsed));
            listener.stepDone(r);
            boolean outOfTime = limits.maxMinutes() > 0 && elapsed > limits.maxMinutes() * 60;
            if (r.step() % limits.checkpointEvery() == 0 || r.step() == limits.steps() || outOfTime) {
                checkpoint(out);
            }
            if (outOfTime) {
                status.printf(Locale.ROOT, "%nstopping after %.1f min at step %d (--max-minutes); continue with --resume%n",
                        elapsed / 60, r.step());
                status.flush();
                break;
            }
        }
        writeRunInfo(out, limits.steps(), provenance.finish());
        return new RunSummary(step - startStep, (System.nanoTime() - start) / 1e9);
    }

    private void checkpoint(Path out) throws IOException {
        // the npz files first: state.ckpt is the resume point and must never be newer than the exported weights
        NpzWriter.write(out.resolve(EMA), ema);
        NpzWriter.write(out.resolve(WEIGHTS), params);
        save(out.resolve(STATE));
        LossLog.plot(LossLog.read(out.resolve(LOSS_CSV)), 25, "DDPM pre-training of " + config.name()
                + " on Fashion-MNIST (batch " + options.batch() + ")", out.resolve(LOSS_PNG));
    }

    private void writeRunInfo(Path out, long targetSteps, Provenance provenance) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode run = json.createObjectNode();
        run.set("config", json.valueToTree(config.toFlags()));
        run.set("options", json.valueToTree(options));
        run.put("parameters", parameterCount());
        run.put("data", data.describe());
        run.put("target_steps", targetSteps);
        run.put("objective", "DDPM eps-prediction, linear betas 1e-4..0.02, T=1000, t ~ U{0..999}, MSE");
        run.set("provenance", provenance.optModel(config.name(), null, null).optDataset("fashion-mnist")
                .optSplit("train", data.describe()).optSeed("init_noise_batches", options.seed()).toJson());
        AtomicFiles.writeString(out.resolve(RUN_JSON), json.writeValueAsString(run));
    }

    public void save(Path checkpoint) throws IOException {
        ObjectNode j = JSON.createObjectNode();
        j.put("format", "diffrep-ddpm-pretrain-1");
        j.put("step", step);
        j.set("config", JSON.valueToTree(config.toFlags()));
        j.set("options", JSON.valueToTree(options));
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        params.forEach((k, a) -> arrays.put("param/" + k, a));
        ema.forEach((k, a) -> arrays.put("ema/" + k, a));
        arrays.putAll(adam.state());
        new Checkpoint(JSON.writeValueAsString(j), arrays).write(checkpoint);
    }

    /**
     * The default part (images per forward/backward pass) of a batch of {@code batch} images under a
     * resident-set cap of {@code maxRss} bytes (0 = no cap: the whole batch): the batch split into as
     * few equal parts as fit. Measured on adm-fmnist at 32 px with the backward pass releasing its
     * intermediates (peak RSS 1,764 MiB at 32 images per pass, 2,843 MiB at 64): ~0.7 GB for the
     * process and ~35 MB per image.
     */
    public static int defaultPart(int batch, long maxRss) {
        if (maxRss <= 0) return batch;
        int fitting = (int) Math.max(1, (maxRss - PROCESS_BYTES) / BYTES_PER_IMAGE);
        int parts = (batch + fitting - 1) / fitting;
        return (batch + parts - 1) / parts;
    }

    private static final long PROCESS_BYTES = 700L << 20;
    private static final long BYTES_PER_IMAGE = 35L << 20;

    /**
     * Images per forward/backward pass: a step's batch runs in parts of this size whose gradients are
     * summed by their share, the same update as the whole batch at once (up to float rounding) with
     * the activations of one part resident at a time. A pass holds ~35 MB per image of adm-fmnist
     * at its peak, so this bounds a step's memory.
     */
    public DdpmTrainer setMicroBatch(int images) {
        if (images < 1) throw new UserInputException("--micro-batch must be >= 1, got " + images);
        this.microBatch = images;
        return this;
    }

    public long step() {
        return step;
    }

    public AdmConfig config() {
        return config;
    }

    public Options options() {
        return options;
    }

    /** The trained weights by state_dict key (live arrays of the graph). */
    public Map<String, INDArray> weights() {
        return params;
    }

    public Map<String, INDArray> emaWeights() {
        return ema;
    }

    public long parameterCount() {
        return params.values().stream().mapToLong(INDArray::length).sum();
    }

    public double lrAt(long s) {
        return options.warmup() == 0 ? options.lr() : options.lr() * Math.min(1.0, (s + 1.0) / options.warmup());
    }

    public double emaDecayAt(long n) {
        return Math.min(options.emaDecay(), (1.0 + n) / (10.0 + n));
    }

    public StepResult trainStep() {
        int n = options.batch();
        int[] idx = batchIndices(step);
        INDArray x0 = data.images(idx, step);
        Random r = new Random(Seeds.mix(options.seed(), step, 1));
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(schedule.steps());
        INDArray eps = gaussian(r, x0.shape());
        INDArray xt = schedule.qSample(x0, t, eps);

        double loss = 0;
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (int from = 0; from < n; from += microBatch) {
            int to = Math.min(n, from + microBatch);
            double share = (double) (to - from) / n;
            INDArray[] part = {rows(xt, from, to), Nd4j.createFromArray(Arrays.copyOfRange(t, from, to)), rows(eps, from, to)};
            Map<String, INDArray> ph = unet.placeholders(part[0], part[1]);
            ph.put(NOISE, part[2]);
            OutAndGrad og = unet.sameDiff().calculateGradientsAndOutputs(ph, List.of(LOSS), new ArrayList<>(params.keySet()));
            // the batch loss is the mean over all n images: each part's mean counts by its share
            loss += share * og.getOutputs().get(LOSS).getDouble(0);
            // the part's gradients are closed below: scaled in place, added, and only the first part's copied
            og.getGradients().forEach((k, g) -> {
                INDArray sum = grads.get(k);
                if (sum == null) grads.put(k, g.mul(share));
                else sum.addi(g.muli(share));
            });
            closeAll(part);
            closeAll(og.getOutputs().values().toArray(new INDArray[0]));
            closeAll(og.getGradients().values().toArray(new INDArray[0]));
        }
        double sq = 0;
        for (String k : params.keySet()) {
            double g = grads.get(k).norm2Number().doubleValue();
            sq += g * g;
        }
        double norm = Math.sqrt(sq);
        if (options.clip() > 0 && norm > options.clip()) {
            double scale = options.clip() / (norm + 1e-6);
            grads.values().forEach(g -> g.muli(scale));
        }
        double lr = lrAt(step);
        adam.apply(params, grads, lr);
        step++;
        double decay = emaDecayAt(step);
        ema.forEach((k, e) -> {
            try (INDArray share = params.get(k).mul(1 - decay)) {
                e.muli(decay).addi(share);
            }
        });
        closeAll(x0, eps, xt);
        closeAll(grads.values().toArray(new INDArray[0]));
        return new StepResult(step, loss, norm, lr);
    }

    /** Rows [from, to) of a batch as a fresh array of its own. */
    private static INDArray rows(INDArray batch, int from, int to) {
        return batch.get(NDArrayIndex.interval(from, to)).dup();
    }

    /** Closes each array that can be closed (not a view, not already closed): an array listed twice is closed once. */
    private static void closeAll(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) a.close();
        }
    }

    /** Sampling without replacement within an epoch; the epoch's permutation is seeded by (seed, epoch). */
    private int[] batchIndices(long s) {
        int size = data.size();
        int[] out = new int[options.batch()];
        for (int i = 0; i < out.length; i++) {
            long p = s * options.batch() + i;
            long epoch = p / size;
            if (epoch != permEpoch) {
                perm = Seeds.permutation(size, Seeds.mix(options.seed(), epoch, 2));
                permEpoch = epoch;
            }
            out[i] = perm[(int) (p % size)];
        }
        return out;
    }

    static INDArray gaussian(Random r, long[] shape) {
        long len = 1;
        for (long s : shape) len *= s;
        float[] v = new float[Math.toIntExact(len)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return Nd4j.createFromArray(v).reshape(shape);
    }
}
