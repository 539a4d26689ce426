package org.diffrep.training.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import org.diffrep.common.cli.Checks;
import org.diffrep.training.data.Inputs;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a run's data and backbone come from, and how its features are cached: the picocli options
 * of train and extract, stored flat in run.json (paths absolute) so {@code eval --run} can rebuild
 * the run from any folder.
 */
public final class RunSetup {

    @Mixin
    @JsonUnwrapped
    public InputOptions inputs = new InputOptions();

    @Mixin
    @JsonUnwrapped
    public CacheOptions caching = new CacheOptions();

    @Option(names = "--random-crop", description = "Train with the official code's random short-side scale + random crop "
            + "instead of the paper's centre crop (both flip).")
    public boolean randomCrop;

    @Option(names = "--draws", defaultValue = "1", description = "Cached noise/transform draws per training image (default ${DEFAULT-VALUE}).")
    public int draws = 1;

    @Option(names = "--head-seed", defaultValue = "0", description = "Seed of the head's initialisation (default ${DEFAULT-VALUE}).")
    public long headSeed;

    /**
     * Checks what needs neither the weights nor the dataset's files and resolves the inputs (names
     * and paths only), so a bad value fails in a second, before any extraction.
     */
    public Inputs check() {
        Checks.atLeast("--draws", draws, 1);
        caching.check();
        return resolve();
    }

    /** The resolver of these options. */
    public Inputs resolve() {
        return inputs.resolver().optTrainTransform(randomCrop ? Inputs.TrainTransform.FLIP_RANDOM_CROP : Inputs.TrainTransform.FLIP).build();
    }

    /** These options with every path as the resolver found it (absolute), for run.json. */
    RunSetup stored(Inputs resolved) {
        RunSetup s = new RunSetup();
        s.inputs.dataset = resolved.dataset();
        s.inputs.root = resolved.root() != null ? resolved.root().toString() : null;
        s.inputs.trainSplit = inputs.trainSplit;
        s.inputs.evalSplit = inputs.evalSplit;
        s.inputs.limitTrain = inputs.limitTrain;
        s.inputs.limitEval = inputs.limitEval;
        s.inputs.threads = inputs.threads;
        s.inputs.config = inputs.config == null ? resolved.config().name()
                : Files.isRegularFile(Path.of(inputs.config)) ? Path.of(inputs.config).toAbsolutePath().normalize().toString() : inputs.config;
        s.inputs.imageSize = inputs.imageSize;
        s.inputs.checkpoint = resolved.checkpoint().toString();
        s.inputs.unreadable = inputs.unreadable; // eval --run tolerates what the run tolerated
        s.randomCrop = randomCrop;
        s.caching.cache = caching.cache != null ? Path.of(caching.cache).toAbsolutePath().normalize().toString() : null;
        s.caching.extractBatch = caching.extractBatch;
        s.draws = draws;
        s.headSeed = headSeed;
        return s;
    }
}
