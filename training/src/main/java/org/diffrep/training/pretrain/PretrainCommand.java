package org.diffrep.training.pretrain;

import me.tongfei.progressbar.ProgressBar;
import org.diffrep.common.cli.Cli;
import org.diffrep.common.cli.Checks;
import org.diffrep.common.provenance.Provenance;
import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.model.runtime.NativeMemory;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.data.FashionMnistImages;
import org.diffrep.training.data.ShippedFiles;
import org.diffrep.training.train.ProgressBars;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code diffrep pretrain}: DDPM training of an ADM U-Net on Fashion-MNIST, resumable. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"DDPM pre-training (ε-prediction, linear schedule, T=1000, uniform t) of an ADM U-Net on the"
                + " Fashion-MNIST training split (32x32, padded), with Adam + warm-up, global-norm gradient clipping and an EMA"
                + " of the weights.",
                "Writes into --out: state.ckpt (weights, EMA, Adam state, step; atomically replaced every"
                + " --checkpoint-every steps), ema.npz and weights.npz (state_dict keys, readable like any .npz checkpoint),"
                + " loss.csv, loss.png and run.json. --resume continues from state.ckpt exactly."})
public final class PretrainCommand implements Callable<Integer> {

    private static final String STATE = DdpmTrainer.STATE;
    private static final String EMA = DdpmTrainer.EMA;

    @Option(names = "--config", defaultValue = "adm-fmnist", description = "registered ADM config or config.json (default: ${DEFAULT-VALUE})")
    String config;
    @Option(names = {"--root", "--data"}, description = "Fashion-MNIST root (default: the copy shipped in the repository, " + ShippedFiles.DATA + ")")
    Path data;
    @Option(names = "--out", required = true, description = "run directory")
    Path out;
    @Option(names = "--steps", defaultValue = "600", description = "total optimizer steps (default: ${DEFAULT-VALUE})")
    long steps;
    @Option(names = "--batch", defaultValue = "64", description = "images per step (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--micro-batch", description = "images per forward/backward pass: a step's batch runs in parts of this size with"
            + " their gradients summed (the same update up to float rounding). A pass holds ~35 MB per image of adm-fmnist,"
            + " so this bounds memory; whole batches are faster (default: the batch in as few equal parts as fit the"
            + " resident-set cap DIFFREP_MAX_RSS: the whole batch of 64 under the launcher's 3 GB)")
    Integer microBatch;
    @Option(names = "--lr", defaultValue = "1e-3", description = "peak Adam learning rate (default: ${DEFAULT-VALUE})")
    double lr;
    @Option(names = "--warmup", defaultValue = "50", description = "learning-rate warm-up steps (default: ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--clip", defaultValue = "1.0", description = "max global gradient norm, 0 = off (default: ${DEFAULT-VALUE})")
    double clip;
    @Option(names = "--ema", defaultValue = "0.999", description = "max EMA decay; decay = min(this, (1+n)/(10+n)) (default: ${DEFAULT-VALUE})")
    double ema;
    @Option(names = "--seed", defaultValue = "0", description = "(default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--limit", defaultValue = "0", description = "train on the first N images only, 0 = all 60,000 (default: ${DEFAULT-VALUE})")
    int limit;
    @Option(names = "--checkpoint-every", defaultValue = "25", description = "steps between checkpoints (default: ${DEFAULT-VALUE})")
    int checkpointEvery;
    @Option(names = "--max-minutes", defaultValue = "0", description = "stop (after a checkpoint) once this much wall time has passed in this run (default: ${DEFAULT-VALUE} = no limit)")
    double maxMinutes;
    @Option(names = "--resume", description = "continue from --out/" + STATE)
    boolean resume;
    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Options given on this command line that differ from the resumed run's (a resume never applies them silently). */
    private List<String> changedOnResume(DdpmTrainer trainer) {
        DdpmTrainer.Options saved = trainer.options();
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        List<String> changed = new ArrayList<>();
        compare(given, "--batch", batch, saved.batch(), changed);
        compare(given, "--lr", lr, saved.lr(), changed);
        compare(given, "--warmup", warmup, saved.warmup(), changed);
        compare(given, "--clip", clip, saved.clip(), changed);
        compare(given, "--ema", ema, saved.emaDecay(), changed);
        compare(given, "--seed", seed, saved.seed(), changed);
        compare(given, "--config", config, trainer.config().name(), changed);
        return changed;
    }

    private static void compare(CommandLine.ParseResult given, String option, Object now, Object saved, List<String> changed) {
        if (given.hasMatchedOption(option) && !String.valueOf(now).equals(String.valueOf(saved))) {
            changed.add(option + " " + now + " differs from the run's " + saved);
        }
    }

    @Override
    public Integer call() throws Exception {
        Provenance provenance = Provenance.start(spec);
        if (microBatch != null) Checks.atLeast("--micro-batch", microBatch, 1);
        Path root = data != null ? data : ShippedFiles.find(ShippedFiles.DATA);
        FashionMnistImages images = FashionMnistImages.of(DatasetRegistry.open("fashion-mnist", root), "train", true);
        if (limit > 0 && limit < images.size()) {
            int[] first = new int[limit];
            for (int i = 0; i < limit; i++) first[i] = i;
            images = images.subset(first);
        }
        Files.createDirectories(out);
        Path state = out.resolve(STATE);
        DdpmTrainer trainer;
        if (resume) {
            if (!Files.exists(state)) throw new CommandLine.ParameterException(spec.commandLine(), "--resume: no " + state);
            trainer = DdpmTrainer.resume(state, images);
            List<String> changed = changedOnResume(trainer);
            if (!changed.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--resume continues " + state + " with its own settings; "
                        + String.join(", ", changed) + ": drop the option(s) or start a new run in another --out");
            }
            note("resumed %s at step %d%n", state, trainer.step());
        } else {
            if (Files.exists(state)) {
                throw new CommandLine.ParameterException(spec.commandLine(), state + " exists: pass --resume or another --out");
            }
            AdmConfig c = AdmConfigs.resolve(config);
            trainer = DdpmTrainer.create(c, images, new DdpmTrainer.Options(batch, lr, warmup, clip, ema, seed));
        }
        int part = Math.min(trainer.options().batch(), microBatch != null ? microBatch
                : DdpmTrainer.defaultPart(trainer.options().batch(), NativeMemory.maxRss()));
        trainer.setMicroBatch(part);
        note("%s: %,d parameters, %s, batch %d (in parts of %d), %d steps%n", trainer.config().name(),
                trainer.parameterCount(), images.describe(), trainer.options().batch(), part, steps);
        DdpmTrainer.RunSummary run;
        try (ProgressBar bar = noProgress ? null : ProgressBars.builder("pretrain", steps).startsFrom(trainer.step(), Duration.ZERO)
                .showSpeed().setUnit(" steps", 1).build()) {
            if (bar != null) trainer.optStepListener(showOn(bar));
            run = trainer.train(out, new DdpmTrainer.RunLimits(steps, checkpointEvery, maxMinutes), provenance, spec.commandLine().getErr());
        }
        if (run.stepsDone() > 0) {
            note("%d steps in %.1f s: %.3f steps/s, %.1f images/s; EMA weights in %s%n", run.stepsDone(), run.seconds(),
                    run.stepsDone() / run.seconds(), run.stepsDone() * trainer.options().batch() / run.seconds(), out.resolve(EMA));
        }
        return 0;
    }

    /** Each step on the console bar, with its loss and their running (exponential) mean. */
    private static DdpmTrainer.StepListener showOn(ProgressBar bar) {
        double[] runningLoss = {Double.NaN};
        return r -> {
            runningLoss[0] = Double.isNaN(runningLoss[0]) ? r.loss() : 0.95 * runningLoss[0] + 0.05 * r.loss();
            bar.stepTo(r.step());
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f (avg %.4f)", r.loss(), runningLoss[0]));
        };
    }

    /** A status line on the command's error stream (the result files are the output), shown at once. */
    private void note(String format, Object... args) {
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, format, args);
        err.flush();
    }

    public static void main(String[] args) {
        Cli.main(new PretrainCommand(), args);
    }
}
