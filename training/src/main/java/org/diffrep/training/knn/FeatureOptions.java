package org.diffrep.training.knn;

import org.diffrep.training.cache.LazyBackbone;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.LoaderOptions;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.cache.CacheFile;
import org.diffrep.training.cache.CacheKey;
import org.diffrep.training.cache.FeatureCache;
import org.diffrep.training.cache.FeatureExtractor;
import org.diffrep.training.data.DatasetImages;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.pretrain.FashionMnistImages;
import org.diffrep.training.train.Feeder;
import org.diffrep.training.pretrain.ShippedFiles;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Where frozen features come from (dataset, U-Net, feature cache), as picocli options shared by
 * {@code knn} and {@code cka}. Without options: the shipped Fashion-MNIST data and model.
 * Features are pooled block outputs from the {@link FeatureCache} (one noise draw, draw 0, and the
 * evaluation transform on every split: kNN and CKA compare images, not augmentations).
 */
public final class FeatureOptions {

    static final String FASHION_MNIST = "fashion-mnist";
    static final String FMNIST_CONFIG = "adm-fmnist";

    @Option(names = "--dataset", defaultValue = FASHION_MNIST,
            description = "Dataset name (imagenet, imagenet-50, imagenet-1pct, imagenet-10pct, cub, ..., fashion-mnist) (default ${DEFAULT-VALUE}).")
    public String dataset;

    @Option(names = "--root", description = "Dataset root in its official layout (default for fashion-mnist: the shipped copy).")
    public Path root;

    @Option(names = "--config", description = "U-Net config name or config.json (default: adm-fmnist for fashion-mnist, else adm-256-uncond).")
    public String config;

    @Option(names = "--checkpoint", description = "U-Net weights (.pt or .npz) (default for adm-fmnist: the shipped model).")
    public Path checkpoint;

    @Option(names = "--cache", defaultValue = "cache/features", description = "Feature cache directory (default ${DEFAULT-VALUE}).")
    public Path cache;

    @Option(names = "--train-split", description = "Split of the memory bank (default: the dataset's training split).")
    public String trainSplit;

    @Option(names = "--eval-split", description = "Split evaluated (default: the dataset's evaluation split).")
    public String evalSplit;

    @Option(names = "--limit-train", defaultValue = "0", description = "Use only the first N images of the training split (0 = all).")
    public int limitTrain;

    @Option(names = "--limit-eval", defaultValue = "0", description = "Use only the first N images of the evaluation split (0 = all).")
    public int limitEval;

    @Option(names = "--extract-batch", defaultValue = "16", description = "Images per U-Net forward when filling the cache (default ${DEFAULT-VALUE}).")
    public int extractBatch;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the noise draws (default ${DEFAULT-VALUE}).")
    public long seed;

    @Option(names = "--threads", defaultValue = "2", description = "Image decode threads (default ${DEFAULT-VALUE}).")
    public int threads;

    @Option(names = "--no-progress", description = "No progress bars.")
    public boolean noProgress;

    public boolean isFashionMnist() {
        return dataset.equals(FASHION_MNIST);
    }

    public AdmConfig admConfig() {
        String name = config != null ? config : isFashionMnist() ? FMNIST_CONFIG : "adm-256-uncond";
        return AdmConfigs.resolve(name);
    }

    public Path checkpointPath() {
        if (checkpoint != null) return checkpoint;
        if (admConfig().name().equals(FMNIST_CONFIG)) return ShippedFiles.find(ShippedFiles.MODEL);
        throw new IllegalArgumentException("--checkpoint is required for config " + admConfig().name());
    }

    public ImageDataset openDataset() {
        Path r = root != null ? root : isFashionMnist() ? ShippedFiles.find(ShippedFiles.DATA) : null;
        if (r == null) throw new IllegalArgumentException("--root is required for dataset " + dataset);
        return DatasetRegistry.open(dataset, r);
    }

    /** The split as the U-Net sees it, with the evaluation transform; Fashion-MNIST padded to 32 px grayscale. */
    public ImageSource images(ImageDataset ds, String split, int limit) {
        if (isFashionMnist()) {
            FashionMnistImages all = FashionMnistImages.of(ds, split, false);
            if (limit <= 0 || limit >= all.size()) return all;
            int[] first = new int[limit];
            for (int i = 0; i < limit; i++) first[i] = i;
            return all.subset(first);
        }
        LoaderOptions eval = LoaderOptions.evaluation(admConfig().imageSize()).withThreads(threads);
        return new DatasetImages(ds, split, eval, limit);
    }

    public ImageSource trainImages(ImageDataset ds) {
        return images(ds, trainSplit != null ? trainSplit : ds.trainSplit(), limitTrain);
    }

    public ImageSource evalImages(ImageDataset ds) {
        return images(ds, evalSplit != null ? evalSplit : ds.evalSplit(), limitEval);
    }

    /** The U-Net as a feature extractor; its weights are read only if a cache file has to be filled. */
    public FeatureExtractor extractor(List<Integer> blocks) {
        return new LazyBackbone(admConfig(), checkpointPath(), blocks.stream().mapToInt(Integer::intValue).max().orElseThrow());
    }

    /**
     * Fills the cache for every (t, b) of a split where needed and opens the file of each; the caller
     * closes them. Keys are in the order of {@code ts} × {@code blocks}.
     */
    public Map<Tap, CacheFile> cached(ImageSource src, FeatureExtractor ex, List<Integer> ts, List<Integer> blocks, Pooling pool) {
        FeatureCache fc = new FeatureCache(cache).optProgress(!noProgress);
        FeatureCache.Request r = new FeatureCache.Request(src, ts, blocks, b -> pool, seed, 1, extractBatch);
        fc.ensure(r, ex).close();
        Map<Tap, CacheFile> files = new java.util.LinkedHashMap<>();
        try {
            for (int t : ts) {
                for (int b : blocks) {
                    Tap tap = new Tap(t, b);
                    CacheKey key = fc.key(r, ex, tap);
                    files.put(tap, CacheFile.open(fc.file(key), key));
                }
            }
        } catch (CacheFile.InvalidCacheException e) {
            files.values().forEach(CacheFile::close);
            throw new IllegalStateException("cache file just verified became unusable: " + e.getMessage(), e);
        } catch (IOException e) {
            files.values().forEach(CacheFile::close);
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** Reads every feature of a cache file (draw 0) into one array, row after row. */
    public static float[] readAll(CacheFile f) {
        float[] out = new float[Math.multiplyExact(f.count(), f.featureLength())];
        readRows(f, 0, f.count(), out);
        return out;
    }

    public static void readRows(CacheFile f, int start, int count, float[] out) {
        f.read(Feeder.range(start, start + count), new int[count], out);
    }

    /** What the features are, for result files. */
    public ObjectNode describe(ImageSource train, ImageSource eval, FeatureExtractor ex) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("dataset", dataset);
        if (train != null) n.put("train_split", train.describe());
        if (eval != null) n.put("eval_split", eval.describe());
        n.put("config", admConfig().name());
        n.put("checkpoint", checkpointPath().toString());
        n.put("checkpoint_sha256", ex.checkpoint());
        n.put("cache", cache.toAbsolutePath().toString());
        n.put("noise_seed", seed);
        n.put("nd4j_backend", Nd4j.getBackend().getClass().getSimpleName());
        n.put("java", System.getProperty("java.version"));
        n.put("created", Instant.now().toString());
        return n;
    }

}
