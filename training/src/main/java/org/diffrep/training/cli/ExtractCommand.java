package org.diffrep.training.cli;

import org.diffrep.common.UserInputException;
import org.diffrep.common.cli.Cli;
import org.diffrep.common.util.ByteSizes;
import org.diffrep.training.cache.ExtractionEngine;
import org.diffrep.training.cache.ExtractionEngines;
import org.diffrep.training.cache.ExtractionReport;
import org.diffrep.training.cache.ShardedExtraction;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** Fills the feature cache for a head's inputs on the training and evaluation splits. */
@Command(name = "extract", mixinStandardHelpOptions = true,
        description = {"Runs the frozen U-Net once per image (and draw) and caches the features a head reads: for every t and block,",
                "pooled as the head's first layer needs it (linear/mlp: --pool, attention heads: min(side, --pool-cap), cnn: unpooled).",
                "Each split is cut into shards of --shard-size images, each published atomically with a manifest: a rerun keeps",
                "complete shards and redoes only missing or invalid ones; concurrent runs share the work through per-shard locks.",
                "train --cache DIR then trains from it."})
public final class ExtractCommand implements Callable<Integer> {

    @Mixin
    RunSetup setup;

    @Mixin
    HeadOptions head;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of noise and transform draws; use the same in train (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--shard-size", defaultValue = "" + ShardedExtraction.DEFAULT_SHARD_SIZE,
            description = "Images per shard of a new cache folder; an existing folder keeps its own (default ${DEFAULT-VALUE}).")
    int shardSize;

    @Option(names = "--engine", defaultValue = ExtractionEngines.LOCAL,
            description = "Who computes the shards: local (this process) or spark (one Spark task per shard; the U-Net is loaded once"
                    + " per executor) (default ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master for --engine spark: local[N], spark://host:7077, yarn, ..."
            + " (default: spark-submit's, else local[*]).")
    String master;

    @Option(names = "--json", description = "Print one JSON object at the end instead of the summary line: shards_total, shards_computed,"
            + " shards_reused, images, unreadable (paths), unreadable_reasons, engine, seconds, bytes_written, stale_bytes_freed.")
    boolean json;

    @Option(names = "--no-progress", description = "No progress bars.")
    boolean noProgress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Train's options that shape, initialise or standardise the head: none of them changes the features extract caches. */
    private static final List<String> HEAD_ONLY = List.of("--standardize", "--head-seed", "--hidden", "--cnn-channels", "--dim",
            "--attn-heads", "--mlp-ratio", "--depth");

    @Override
    public Integer call() {
        if (setup.caching.cache == null) setup.caching.cache = setup.caching.folderOrDefault().toString();
        if (shardSize < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--shard-size must be >= 1, got " + shardSize);
        head.check(setup.check().config());
        GivenOptions.refuse(spec, HEAD_ONLY, "train", "extract caches the U-Net's features, which it does not change");
        if (head.kind() == HeadKind.DIFFEED) {
            // before any engine starts: a distributed one would otherwise extract a cache no head reads
            throw new UserInputException("diffeed trains with the U-Net in its graph (its feedback reruns it), never from a feature cache:"
                    + " there is nothing to extract for it");
        }
        if (!ExtractionEngines.names().contains(engine)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown --engine '" + engine + "': one of " + ExtractionEngines.names());
        }
        if (master != null && engine.equals(ExtractionEngines.LOCAL)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--master needs a distributed --engine (spark)");
        }
        long t0 = System.nanoTime();
        try (Assembly a = new Assembly(setup)) {
            HeadConfig h = head.build(a.config, a.numClasses());
            ExtractionReport r;
            if (engine.equals(ExtractionEngines.LOCAL)) {
                a.ensureCache(h, seed, !noProgress, true, shardSize);
                r = a.cacheReport();
            } else {
                try (ExtractionEngine e = ExtractionEngines.create(engine, master, !noProgress)) {
                    r = e.run(a.extractionSpec(h, seed, true, shardSize)).plus(e.run(a.extractionSpec(h, seed, false, shardSize)));
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(r.toJson());
                out.flush();
                return 0;
            }
            out.printf("cached t=%s blocks=%s for %s and %s in %s (%.1f s): %d shards computed, %d reused, %s written%s%n", h.timesteps(),
                    h.blocks(), a.trainImages.describe(), a.evalImages.describe(), setup.caching.cache, (System.nanoTime() - t0) / 1e9,
                    r.shardsComputed(), r.shardsReused(), ByteSizes.human(r.bytesWritten()),
                    r.staleBytesFreed() > 0 ? ", " + ByteSizes.human(r.staleBytesFreed()) + " of stale partial files removed" : "");
            out.flush();
        }
        return 0;
    }

    public static void main(String[] args) {
        Cli.main(new ExtractCommand(), args);
    }
}
