package org.diffrep.training.knn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.provenance.Provenance;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.training.cache.FeatureCache;
import org.diffrep.training.cache.FeatureColumn;
import org.diffrep.training.cache.FeatureExtractor;
import org.diffrep.training.cli.CacheOptions;
import org.diffrep.training.cli.InputOptions;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Inputs;
import org.diffrep.training.train.Feeder;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where frozen features come from (the {@link InputOptions} of every feature-reading command, and
 * the {@link CacheOptions} of every command that fills the feature cache), as picocli options shared
 * by {@code knn} and {@code cka}. Without options: the shipped Fashion-MNIST data and model.
 * Features are pooled block outputs from the {@link FeatureCache} (one noise draw, draw 0, and the
 * evaluation transform on every split: kNN and CKA compare images, not augmentations).
 */
public final class FeatureOptions {

    @Mixin
    public InputOptions inputs = new InputOptions();

    @Mixin
    public CacheOptions caching = new CacheOptions();

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the noise draws (default ${DEFAULT-VALUE}).")
    public long seed;

    @Option(names = "--no-progress", description = "No progress bars.")
    public boolean noProgress;

    private Inputs resolved;

    /**
     * Checks the cache options and resolves the inputs (names and paths only, nothing heavy), so a bad
     * value fails in a second; the command checks its own options next.
     */
    public Inputs check() {
        caching.check();
        return resolve();
    }

    /** The images, model and weights of these options (resolved once). */
    public Inputs resolve() {
        if (resolved == null) resolved = inputs.resolver().optTrainTransform(Inputs.TrainTransform.NONE).build();
        return resolved;
    }

    public Path cacheFolder() {
        return caching.folderOrDefault();
    }

    /** The U-Net as a feature extractor; its weights are read only if a cache file has to be filled. */
    public FeatureExtractor extractor(List<Integer> blocks) {
        return resolve().extractor(blocks.stream().mapToInt(Integer::intValue).max().orElseThrow());
    }

    /**
     * Fills the cache for every (t, b) of a split where needed and opens the file of each; the caller
     * closes them. Keys are in the order of {@code ts} × {@code blocks}.
     */
    public Map<Tap, FeatureColumn> cached(ImageSource src, FeatureExtractor ex, List<Integer> ts, List<Integer> blocks, Pooling pool) {
        FeatureCache fc = new FeatureCache(cacheFolder()).optProgress(!noProgress);
        Map<Tap, FeatureColumn> all = fc.ensure(new FeatureCache.Request(src, ts, blocks, b -> pool, seed, 1, caching.extractBatch), ex).columns();
        Map<Tap, FeatureColumn> ordered = new java.util.LinkedHashMap<>();
        for (int t : ts) {
            for (int b : blocks) ordered.put(new Tap(t, b), all.get(new Tap(t, b)));
        }
        return ordered;
    }

    /** Reads every feature of a cache file (draw 0) into one array, row after row. */
    public static float[] readAll(FeatureColumn f) {
        float[] out = new float[Math.multiplyExact(f.count(), f.featureLength())];
        readRows(f, 0, f.count(), out);
        return out;
    }

    public static void readRows(FeatureColumn f, int start, int count, float[] out) {
        f.read(Feeder.range(start, start + count), new int[count], out);
    }

    /** The provenance record of a kNN or CKA result ({@code started} is when the command began), plus the feature cache used. */
    public ObjectNode describe(Provenance started, ImageSource train, ImageSource eval, FeatureExtractor ex) {
        Inputs in = resolve();
        started.optModel(in.config().name(), in.checkpoint(), ex.checkpoint()).optDataset(in.dataset()).optSeed("noise", seed);
        if (train != null) started.optSplit("train", train.describe());
        if (eval != null) started.optSplit("eval", eval.describe());
        ObjectNode n = started.finish().toJson();
        n.put("cache", cacheFolder().toAbsolutePath().toString());
        return n;
    }

}
