package org.diffrep.training.cache;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.diffrep.model.features.FeatureTaps;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.model.features.TapShape;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Seeds;
import org.diffrep.training.train.Feeder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

        /** Every (t, block) of the request, t-major, blocks ascending. */
        public List<Tap> taps() {
            return FeatureTaps.grid(timesteps, blocks);
        }
    }

    public CacheKey key(Request r, FeatureExtractor ex, Tap tap) {
        return new CacheKey(ex.model(), ex.checkpoint(), r.source().describe(), tap.t(), tap.block(),
                r.poolingOfBlock().apply(tap.block()).toString(), r.source().imageSize(), r.seed(), r.draws());
    }

    public Path file(CacheKey key) {
        return dir.resolve(key.fileName());
    }

    /**
     * Opens the cached features of every tap of the request, first extracting those whose file is
     * missing, partial, corrupt or written for something else (such files are deleted, never read).
     */
    public CachedSplit ensure(Request r, FeatureExtractor ex) {
        try {
            Map<Tap, CacheKey> missing = new LinkedHashMap<>();
            for (Tap tap : r.taps()) {
                CacheKey key = key(r, ex, tap);
                String problem = check(key, r.source());
                if (problem != null) {
                    if (!problem.equals("missing")) log.warn("cache file {} is unusable ({}): rebuilding it", file(key), problem);
                    Files.deleteIfExists(file(key));
                    missing.put(tap, key);
                }
            }
            if (!missing.isEmpty()) extract(r, ex, missing);
            Map<Tap, CacheFile> files = new LinkedHashMap<>();
            for (Tap tap : r.taps()) {
                CacheKey key = key(r, ex, tap);
                try {
                    files.put(tap, CacheFile.open(file(key), key));
                } catch (CacheFile.InvalidCacheException e) {
                    files.values().forEach(CacheFile::close);
                    throw new IllegalStateException("cache file " + file(key) + " just written is unusable: " + e.getMessage());
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

    private void extract(Request r, FeatureExtractor ex, Map<Tap, CacheKey> missing) throws IOException {
        ImageSource src = r.source();
        int n = src.size();
        long[] ids = new long[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = src.id(i);
            labels[i] = src.label(i);
        }
        Map<Tap, CacheFile.Writer> writers = new LinkedHashMap<>();
        try {
            for (Map.Entry<Tap, CacheKey> e : missing.entrySet()) {
                int block = e.getKey().block();
                TapShape shape = ex.shape(block, r.poolingOfBlock().apply(block));
                writers.put(e.getKey(), new CacheFile.Writer(file(e.getValue()), e.getValue(), ids, labels, r.draws(), shape.channels(), shape.side()));
            }
            int batches = (n + r.batchSize() - 1) / r.batchSize();
            try (ProgressBar bar = progressBar("extract " + src.describe(), (long) batches * r.draws())) {
                for (int draw = 0; draw < r.draws(); draw++) {
                    NoiseSource noise = NoiseSource.perImage(Seeds.mix(r.seed(), draw));
                    for (int start = 0; start < n; start += r.batchSize()) {
                        int[] idx = Feeder.range(start, Math.min(start + r.batchSize(), n));
                        INDArray x0 = src.images(idx, Seeds.mix(r.seed(), draw, 2));
                        long[] batchIds = Arrays.copyOfRange(ids, start, start + idx.length);
                        Map<Tap, INDArray> feats = ex.extract(x0, batchIds, missing.keySet(), r.poolingOfBlock(), noise);
                        for (Map.Entry<Tap, CacheFile.Writer> w : writers.entrySet()) w.getValue().append(floats(feats.get(w.getKey())));
                        if (bar != null) bar.step();
                    }
                }
            }
            for (CacheFile.Writer w : writers.values()) w.commit();
        } finally {
            for (CacheFile.Writer w : writers.values()) w.close();
        }
    }

    /** The values of a tap's maps in C order, as the cache file stores them. */
    static float[] floats(INDArray maps) {
        return maps.dup('c').data().asFloat();
    }

    private ProgressBar progressBar(String task, long max) {
        if (!progress) return null;
        return new ProgressBarBuilder().setTaskName(task.length() > 40 ? task.substring(0, 40) : task).setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).continuousUpdate().build();
    }
}
