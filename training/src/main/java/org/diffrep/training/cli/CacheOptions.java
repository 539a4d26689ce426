package org.diffrep.training.cli;

import org.diffrep.common.cli.Checks;
import org.diffrep.training.data.Workspace;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The feature cache of every command that fills one (extract, train, knn, cka): its folder and the
 * images per U-Net forward that fill it. Plain fields, so train stores them in run.json (as
 * {@code cache} and {@code extractBatch}) and {@code eval --run} reads them back.
 */
public final class CacheOptions {

    @Option(names = "--cache", description = "Feature cache directory (default: DIFFREP_CACHE, else ~/.cache/diffrep/features).")
    public String cache;

    @Option(names = "--extract-batch", defaultValue = "16", description = "Images per U-Net forward when filling the cache (default ${DEFAULT-VALUE}).")
    public int extractBatch = 16;

    /** Refuses, before any heavy work, an extraction batch below 1 and a --cache that cannot be a writable folder. */
    public void check() {
        Checks.atLeast("--extract-batch", extractBatch, 1);
        if (cache != null) Checks.writableFolder("--cache", Path.of(cache));
    }

    /** The folder --cache names, else the user's default feature cache. */
    public Path folderOrDefault() {
        return cache != null ? Path.of(cache) : Workspace.featureCache();
    }

    /**
     * Train's --cache has no default (without it, the U-Net runs inside the head's graph): its help
     * says so instead of naming the default folder.
     */
    static final class OptInForTraining implements CommandLine.IModelTransformer {
        @Override
        public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
            CommandLine.Model.OptionSpec cache = spec.findOption("--cache");
            spec.remove(cache);
            spec.addOption(cache.toBuilder().description("Feature cache directory: extract the head's inputs once and train from them"
                    + " (not for diffeed, whose feedback needs the U-Net in the loop; without it the U-Net runs in the head's graph).").build());
            return spec;
        }
    }
}
