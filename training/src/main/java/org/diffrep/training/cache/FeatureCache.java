package org.diffrep.training.cache;

import org.diffrep.common.UserInputException;
import org.diffrep.common.util.ByteSizes;
import org.diffrep.model.features.FeatureTaps;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.training.data.ImageSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Block features extracted once per image and kept on disk, so heads with fixed inputs train for
 * many epochs without running the U-Net. Each split is a {@link ShardedExtraction}: shards of
 * consecutive images, one {@link CacheFile} per tap and shard, computed by an
 * {@link ExtractionEngine} (this process by default) and read back as one split.
 *
 * <p>How this differs from the official code: it draws fresh ε (and, in training, a fresh random
 * crop/flip) on every forward. The cache stores K draws per image (noise ε_k and transform variant
 * k, both fixed by (seed, k, image)); training picks one of the K per image and epoch. With K = 1
 * every epoch sees the same noised image, i.e. less noise augmentation than the official recipe;
 * larger K approaches it at K times the extraction cost and disk space.
 */
public final class FeatureCache {

    private static final Logger log = LoggerFactory.getLogger(FeatureCache.class);
    private static final Pattern UNSHARDED = Pattern.compile("t\\d+_b\\d+_[0-9a-f]{16}\\.feat(.*\\.tmp)?");

    private final Path dir;
    private boolean progress = true;
    private boolean warned;
    private ExtractionEngine engine;

    public FeatureCache(Path dir) {
        this.dir = dir;
    }

    public FeatureCache optProgress(boolean show) {
        this.progress = show;
        return this;
    }

    /** Who computes missing shards (default: {@link LocalExtractionEngine}, in this process). */
    public FeatureCache optEngine(ExtractionEngine engine) {
        this.engine = engine;
        return this;
    }

    public Path dir() {
        return dir;
    }

    /**
     * What to cache for one split.
     *
     * @param batchSize images per backbone forward
     * @param shardSize images per shard (a cache folder keeps the size it was started with)
     */
    public record Request(ImageSource source, List<Integer> timesteps, List<Integer> blocks, IntFunction<Pooling> poolingOfBlock,
                          long seed, int draws, int batchSize, int shardSize) {
        public Request {
            if (draws < 1) throw new UserInputException("--draws must be >= 1, got " + draws);
            if (batchSize < 1) throw new UserInputException("--extract-batch must be >= 1, got " + batchSize);
            if (shardSize < 1) throw new UserInputException("--shard-size must be >= 1, got " + shardSize);
            timesteps = List.copyOf(timesteps);
            blocks = List.copyOf(blocks);
        }

        /** A request with {@value ShardedExtraction#DEFAULT_SHARD_SIZE} images per shard. */
        public Request(ImageSource source, List<Integer> timesteps, List<Integer> blocks, IntFunction<Pooling> poolingOfBlock,
                       long seed, int draws, int batchSize) {
            this(source, timesteps, blocks, poolingOfBlock, seed, draws, batchSize, ShardedExtraction.DEFAULT_SHARD_SIZE);
        }

        /** Every (t, block) of the request, t-major, blocks ascending. */
        public List<Tap> taps() {
            return FeatureTaps.grid(timesteps, blocks);
        }
    }

    /** The request's sharded extraction in this cache (nothing is computed yet). */
    public ShardedExtraction extraction(Request r, FeatureExtractor ex) {
        return new ShardedExtraction(dir, r.source(), ex, r.taps(), r.poolingOfBlock(), r.seed(), r.draws(), r.shardSize(), r.batchSize());
    }

    /**
     * Opens the cached features of every tap of the request, first computing the shards that are
     * missing, partial, corrupt or written for something else.
     */
    public CachedSplit ensure(Request r, FeatureExtractor ex) {
        warnAboutUnshardedFiles();
        ShardedExtraction sharded = extraction(r, ex);
        ExtractionEngine e = engine != null ? engine : new LocalExtractionEngine().optProgress(progress);
        ExtractionReport report = e.run(sharded);
        return new CachedSplit(r, sharded.open(), report);
    }

    /**
     * Cache files of diffrep versions before shards sit directly in the folder ({@code t150_b24_<hash>.feat}
     * and their partial {@code .tmp} files); nothing reads them any more, so say how much space they hold.
     */
    private void warnAboutUnshardedFiles() {
        if (warned || !Files.isDirectory(dir)) return;
        warned = true;
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> old = files.filter(p -> UNSHARDED.matcher(p.getFileName().toString()).matches()).toList();
            long bytes = 0;
            for (Path p : old) bytes += Files.size(p);
            if (!old.isEmpty()) {
                log.warn("{} holds {} cache files of the format before shards ({}); they are no longer read: delete them to free the space",
                        dir, old.size(), ByteSizes.human(bytes));
            }
        } catch (IOException e) {
            log.warn("cannot list {}: {}", dir, e.getMessage());
        }
    }

    /** The values of a tap's maps in C order, as cache files store them. */
    static float[] floats(INDArray maps) {
        return maps.dup('c').data().asFloat();
    }
}
