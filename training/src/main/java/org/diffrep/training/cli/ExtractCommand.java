package org.diffrep.training.cli;

import org.diffrep.training.heads.HeadConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** Fills the feature cache for a head's inputs on the training and evaluation splits. */
@Command(name = "extract", mixinStandardHelpOptions = true,
        description = {"Runs the frozen U-Net once per image (and draw) and caches the features a head reads: for every t and block,",
                "pooled as the head's first layer needs it (linear/mlp: --pool, attention heads: min(side, --pool-cap), cnn: unpooled).",
                "Existing valid cache files are kept; partial, corrupt or mismatched ones are rebuilt. train --cache DIR then trains from it."})
public final class ExtractCommand implements Callable<Integer> {

    @Mixin
    RunSetup setup;

    @Mixin
    HeadOptions head;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of noise and transform draws; use the same in train (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-progress", description = "No progress bars.")
    boolean noProgress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (setup.cache == null) throw new CommandLine.ParameterException(spec.commandLine(), "extract needs --cache DIR");
        long t0 = System.nanoTime();
        try (Assembly a = new Assembly(setup)) {
            HeadConfig h = head.build(a.config, a.numClasses());
            a.ensureCache(h, seed, !noProgress, true);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("cached t=%s blocks=%s for %s and %s in %s (%.1f s)%n", h.timesteps(), h.blocks(), a.trainImages.describe(),
                    a.evalImages.describe(), setup.cache, (System.nanoTime() - t0) / 1e9);
            out.flush();
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ExtractCommand()).execute(args));
    }
}
