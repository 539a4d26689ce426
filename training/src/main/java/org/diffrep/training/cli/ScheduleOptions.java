package org.diffrep.training.cli;

import org.diffrep.common.cli.Checks;
import org.diffrep.training.train.Checkpoint;
import org.diffrep.training.train.OptimizerKind;
import org.diffrep.training.train.TrainConfig;
import org.diffrep.training.train.Trainer;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Options of a training run shared by {@code train} and {@code finetune}: epochs, optimizer and
 * StepLR schedule, seed, run directory, resume and progress. The learning rate and batch are the
 * commands' own (their defaults differ by head and by what trains).
 */
public final class ScheduleOptions {

    @Option(names = "--epochs", defaultValue = "28", description = "Epochs (default ${DEFAULT-VALUE}).")
    public int epochs;

    @Option(names = "--eval-batch", description = "Evaluation batch (default: the training batch).")
    public Integer evalBatch;

    @Option(names = "--optimizer", defaultValue = "sgd", converter = Converters.OptimizerConverter.class,
            description = "sgd (the official code) or adam (the paper's text) (default ${DEFAULT-VALUE}).")
    public OptimizerKind optimizer;

    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (default ${DEFAULT-VALUE}).")
    public double momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay (default ${DEFAULT-VALUE}).")
    public double weightDecay;

    @Option(names = "--lr-step", defaultValue = "7", description = "Epochs between lr decays (default ${DEFAULT-VALUE}).")
    public int lrStep;

    @Option(names = "--lr-gamma", defaultValue = "0.1", description = "lr decay factor (default ${DEFAULT-VALUE}).")
    public double lrGamma;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of shuffling, noise and transform draws (default ${DEFAULT-VALUE}).")
    public long seed;

    @Option(names = "--out", description = "Run directory (default: train runs/<head>-<dataset>, finetune runs/finetune-<head>-<dataset>).")
    public Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint.")
    public boolean resume;

    @Option(names = "--no-progress", description = "No progress bars.")
    public boolean noProgress;

    /** Checks the schedule and the run folder (writable; not an earlier run unless --resume) before anything heavy runs. */
    public void check(Path runDirectory) {
        Checks.atLeast("--epochs", epochs, 1);
        if (evalBatch != null) Checks.atLeast("--eval-batch", evalBatch, 1);
        Checks.notNegative("--momentum", momentum);
        Checks.notNegative("--weight-decay", weightDecay);
        Checks.atLeast("--lr-step", lrStep, 1);
        Checks.positive("--lr-gamma", lrGamma);
        Checks.runFolder("--out", runDirectory, Trainer.CHECKPOINT, resume);
        Path checkpoint = runDirectory.resolve(Trainer.CHECKPOINT);
        if (resume && Files.isRegularFile(checkpoint)) {
            try {
                Checkpoint.verify(checkpoint);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + checkpoint, e);
            }
        }
    }

    public boolean adam() {
        return optimizer == OptimizerKind.ADAM;
    }

    public TrainConfig config(double lr, int batch) {
        return TrainConfig.builder(lr, batch).optEpochs(epochs).optOptimizer(optimizer).optMomentum(momentum).optWeightDecay(weightDecay)
                .optLrSchedule(lrStep, lrGamma).optSeed(seed).optEvalBatch(evalBatch != null ? evalBatch : batch).build();
    }

    /** --out, or runs/&lt;name&gt;. */
    public Path runDirectory(String name) {
        return out != null ? out : Path.of("runs", name);
    }
}
