package org.diffrep.training.cache;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Seeds;
import org.diffrep.training.train.Feeder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Block features extracted once per image and kept on disk, one {@link CacheFile} per (t, block) and
 * split, so heads with fixed inputs train for many epochs without running the U-Net.
 *
 * <p>How this differs from the official code: it draws fresh ε (and, in training, a fresh random
 * crop/flip) on every forward. The cache stores K draws per image (noise ε_k and transform variant
 * k, both fixed by (seed, k, image)); training picks one of the K per image and epoch. With K = 1
 * every epoch sees the same noised image, i.e. less noise augmentation than the official recipe;
 * larger K approaches it at K times the extraction cost and disk space.
 */
public final class FeatureCache {

    private static final Logger log = LoggerFactory.getLogger(FeatureCache.class);

    private final Path dir;
    private boolean progress = true;

    public FeatureCache(Path dir) {
        this.dir = dir;
    }

    public FeatureCache optProgress(boolean show) {
        this.progress = show;
        return this;
    }

    public Path dir() {
        return dir;
    }

    /** What to cache for one split. */
    public record Request(ImageSource source, List<Integer> timesteps, List<Integer> blocks, IntFunction<Pooling> poolingOfBlock,
                          long seed, int draws, int batchSize) {
        public Request {
            if (draws < 1) throw new IllegalArgumentException("draws must be >= 1");
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1");
            timesteps = List.copyOf(timesteps);
            blocks = List.copyOf(blocks);
        }
    }

    public CacheKey key(Request r, FeatureExtractor ex, int t, int block) {
        return new CacheKey(ex.model(), ex.checkpoint(), r.source().describe(), t, block,
                r.poolingOfBlock().apply(block).toString(), r.source().imageSize(), r.seed(), r.draws());
    }

    public Path file(CacheKey key) {
        return dir.resolve(key.fileName());
    }

    /**
     * Opens the cached features of every (t, block) of the request, first extracting those whose
     * file is missing, partial, corrupt or written for something else (such files are deleted,
     * never read).
     */
    public CachedSplit ensure(Request r, FeatureExtractor ex) {
        try {
            Map<String, CacheKey> missing = new LinkedHashMap<>();
            for (int t : r.timesteps()) {
                for (int b : r.blocks()) {
                    CacheKey key = key(r, ex, t, b);
                    String problem = check(key, r.source());
                    if (problem != null) {
                        if (!problem.equals("missing")) log.warn("cache file {} is unusable ({}): rebuilding it", file(key), problem);
                        Files.deleteIfExists(file(key));
                        missing.put(t + "/" + b, key);
                    }
                }
            }
            if (!missing.isEmpty()) extract(r, ex, missing);
            Map<String, CacheFile> files = new LinkedHashMap<>();
            for (int t : r.timesteps()) {
                for (int b : r.blocks()) {
                    CacheKey key = key(r, ex, t, b);
                    try {
                        files.put(t + "/" + b, CacheFile.open(file(key), key));
                    } catch (CacheFile.InvalidCacheException e) {
                        throw new IllegalStateException("cache file " + file(key) + " just written is unusable: " + e.getMessage());
                    }
                }
            }
            return new CachedSplit(r, files);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Null when the file for the key is complete, intact and matches the source; else the reason. */
    private String check(CacheKey key, ImageSource source) throws IOException {
        try (CacheFile f = CacheFile.open(file(key), key)) {
            if (f.count() != source.size()) return "holds " + f.count() + " images, the split has " + source.size();
            int[] labels = f.labels();
            long[] ids = f.ids();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] != source.label(i) || ids[i] != source.id(i)) return "image " + i + " differs from the split";
            }
            return null;
        } catch (CacheFile.InvalidCacheException e) {
            return e.getMessage();
        }
    }

    private void extract(Request r, FeatureExtractor ex, Map<String, CacheKey> missing) throws IOException {
        ImageSource src = r.source();
        int n = src.size();
        long[] ids = new long[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = src.id(i);
            labels[i] = src.label(i);
        }
        List<Integer> ts = new ArrayList<>();
        List<Integer> blocks = new ArrayList<>();
        Map<String, CacheFile.Writer> writers = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, CacheKey> e : missing.entrySet()) {
                CacheKey k = e.getValue();
                if (!ts.contains(k.t())) ts.add(k.t());
                if (!blocks.contains(k.block())) blocks.add(k.block());
                int side = storedSide(r.poolingOfBlock().apply(k.block()), ex.side(k.block()));
                writers.put(e.getKey(), new CacheFile.Writer(file(k), k, ids, labels, r.draws(), ex.channels(k.block()), side));
            }
            blocks.sort(Integer::compare);
            int batches = (n + r.batchSize() - 1) / r.batchSize();
            try (ProgressBar bar = progressBar("extract " + src.describe(), (long) batches * r.draws())) {
                for (int draw = 0; draw < r.draws(); draw++) {
                    NoiseSource noise = NoiseSource.perImage(Seeds.mix(r.seed(), draw));
                    for (int start = 0; start < n; start += r.batchSize()) {
                        int[] idx = Feeder.range(start, Math.min(start + r.batchSize(), n));
                        INDArray x0 = src.images(idx, Seeds.mix(r.seed(), draw, 2));
                        long[] batchIds = Arrays.copyOfRange(ids, start, start + idx.length);
                        Map<Integer, INDArray> feats = ex.extract(x0, batchIds, ts, blocks, noise);
                        for (Map.Entry<String, CacheKey> e : missing.entrySet()) {
                            CacheKey k = e.getValue();
                            int g = ts.indexOf(k.t());
                            INDArray all = feats.get(k.block());
                            INDArray mine = all.get(NDArrayIndex.interval((long) g * idx.length, (long) (g + 1) * idx.length));
                            writers.get(e.getKey()).append(pooled(mine, r.poolingOfBlock().apply(k.block())));
                        }
                        if (bar != null) bar.step();
                    }
                }
            }
            for (CacheFile.Writer w : writers.values()) w.commit();
        } finally {
            for (CacheFile.Writer w : writers.values()) w.close();
        }
    }

    /** Side of the stored map: the pooled size, or the block's own side when pooling would not shrink it. */
    static int storedSide(Pooling p, int side) {
        return p.type() == Pooling.Type.NONE || p.size() >= side ? side : p.size();
    }

    private static float[] pooled(INDArray maps, Pooling p) {
        int side = (int) maps.size(2);
        INDArray out = storedSide(p, side) == side ? maps : p.apply(maps);
        return out.dup('c').data().asFloat();
    }

    private ProgressBar progressBar(String task, long max) {
        if (!progress) return null;
        return new ProgressBarBuilder().setTaskName(task.length() > 40 ? task.substring(0, 40) : task).setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).continuousUpdate().build();
    }
}
