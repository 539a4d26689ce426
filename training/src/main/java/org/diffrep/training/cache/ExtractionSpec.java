package org.diffrep.training.cache;

import org.diffrep.model.features.FeatureTaps;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Inputs;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Everything a worker needs to compute shards of one split's extraction, as plain serialisable
 * values (a Spark task, a JSON file): {@link #open()} rebuilds the {@link ShardedExtraction} in the
 * worker's JVM. The backbone is loaded at most once per JVM and only when a shard has to be
 * computed; the checkpoint's SHA-256 travels with the spec so no worker hashes the weights again.
 *
 * @param data         which images, model and weights
 * @param timesteps    noise steps of the taps
 * @param blocks       blocks of the taps (every t × every block)
 * @param pooling      block → pooling as {@link Pooling#parse} reads it ("avg:2", "none")
 * @param seed         seed of noise and transform draws
 * @param draws        noise/transform draws per image
 * @param shardSize    images per shard (a cache folder keeps the size it was started with)
 * @param extractBatch images per backbone forward (kept like the shard size)
 * @param cacheDir     the cache folder, a path or a {@code file:} URI every worker sees
 */
public record ExtractionSpec(Data data, List<Integer> timesteps, List<Integer> blocks, Map<Integer, String> pooling, long seed,
                             int draws, int shardSize, int extractBatch, String cacheDir) implements Serializable {

    /**
     * The split as {@link Inputs} resolves it.
     *
     * @param dataset          dataset name (or "synthetic")
     * @param root             dataset root (null: the embedded default, or none for synthetic)
     * @param config           U-Net config name or config.json path
     * @param imageSize        U-Net input side (null: the config's)
     * @param checkpoint       weights file, as every worker sees it
     * @param checkpointSha256 the weights' hash, computed once by whoever made the spec
     * @param training         the training split (with {@code transform}) rather than the evaluation split
     * @param split            split name (null: the dataset's default for its role)
     * @param limit            only the first n images (0 = all)
     * @param transform        training-split augmentation ({@link Inputs.TrainTransform} name)
     * @param maxUnreadable    tolerated fraction of unreadable images (of the split, counted by each JVM)
     */
    public record Data(String dataset, String root, String config, Integer imageSize, String checkpoint, String checkpointSha256,
                       boolean training, String split, int limit, String transform, double maxUnreadable) implements Serializable {

        Inputs inputs() {
            Inputs.Builder b = Inputs.builder().optDataset(dataset).optConfig(config).optImageSize(imageSize)
                    .optCheckpoint(Path.of(checkpoint)).optThreads(Math.max(1, Runtime.getRuntime().availableProcessors())).optMaxUnreadable(maxUnreadable);
            if (root != null) b.optRoot(Path.of(root));
            if (training) {
                b.optTrainSplit(split).optLimitTrain(limit).optTrainTransform(Inputs.TrainTransform.valueOf(transform));
            } else {
                b.optEvalSplit(split).optLimitEval(limit);
            }
            return b.build();
        }
    }

    public ExtractionSpec {
        timesteps = List.copyOf(timesteps);
        blocks = List.copyOf(blocks);
        pooling = Map.copyOf(pooling);
        for (int b : blocks) {
            if (!pooling.containsKey(b)) throw new IllegalArgumentException("no pooling for block " + b);
            Pooling.parse(pooling.get(b));
        }
    }

    /** The taps, t-major, blocks ascending. */
    public List<Tap> taps() {
        return FeatureTaps.grid(timesteps, blocks);
    }

    /** The cache folder as a local path (plain paths and {@code file:} URIs). */
    public Path cachePath() {
        return cacheDir.contains(":/") ? Path.of(URI.create(cacheDir)) : Path.of(cacheDir);
    }

    private static final Map<ExtractionSpec, ShardedExtraction> OPENED = new ConcurrentHashMap<>();
    private static final Map<String, FeatureExtractor> BACKBONES = new ConcurrentHashMap<>();

    /**
     * This JVM's extraction for the spec: built on first use (the split's image list is read then), the
     * same object for every later call, so tasks of one executor share it and its backbone.
     */
    public ShardedExtraction open() {
        return OPENED.computeIfAbsent(this, ExtractionSpec::build);
    }

    private static ShardedExtraction build(ExtractionSpec s) {
        Inputs in = s.data.inputs();
        ImageSource source = s.data.training ? in.trainImages() : in.evalImages();
        int deepest = s.blocks.stream().mapToInt(Integer::intValue).max().orElseThrow();
        String backboneKey = s.data.config + "|" + s.data.imageSize + "|" + s.data.checkpoint + "|" + s.data.checkpointSha256 + "|" + deepest;
        FeatureExtractor backbone = BACKBONES.computeIfAbsent(backboneKey, k -> new Serialized(
                new LazyBackbone(in.config(), in.checkpoint(), deepest, s.data::checkpointSha256)));
        Map<Integer, Pooling> pools = new TreeMap<>();
        s.pooling.forEach((b, p) -> pools.put(b, Pooling.parse(p)));
        return new ShardedExtraction(s.cachePath(), source, backbone, s.taps(), pools::get, s.seed, s.draws, s.shardSize, s.extractBatch);
    }

    /**
     * One backbone shared by the tasks of a JVM, one forward at a time: SameDiff inference on one graph
     * is not safe from several threads, and each forward already uses every core ND4J is given.
     */
    private static final class Serialized extends ForwardingExtractor {
        Serialized(FeatureExtractor inner) {
            super(inner);
        }

        @Override
        public Map<Tap, INDArray> extract(INDArray x0, long[] ids, Collection<Tap> taps, IntFunction<Pooling> poolingOfBlock,
                                          NoiseSource noise) {
            synchronized (this) {
                return inner.extract(x0, ids, taps, poolingOfBlock, noise);
            }
        }
    }
}
