package org.diffrep.training.cache;

import org.diffrep.common.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.model.features.TapShape;
import org.diffrep.model.runtime.OpThreads;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Seeds;
import org.diffrep.training.train.Feeder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

import static org.diffrep.common.util.ByteSizes.human;

/**
 * Feature extraction of one split cut into shards that any engine can compute anywhere, in any order,
 * any number of times.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>The split's index range [0, n) is cut into {@link #shardCount()} shards of {@code shardSize}
 *       consecutive images (the last one shorter). Shard ids are 0 … shardCount − 1.</li>
 *   <li>{@link #computeShard(int)} is idempotent and safe to call concurrently from threads, JVMs and
 *       hosts that share the cache folder: a complete, valid shard is reused; otherwise the caller claims
 *       the shard ({@link ShardLock}: one lock file per shard), computes the taps whose files are missing
 *       or invalid, publishes each data file by atomic rename and then the shard's manifest; a shard
 *       another live writer holds is left to it ({@link ShardOutcome.Status#HELD}). Partial files of dead
 *       writers are removed when their shard is claimed. A valid published file is never deleted; at most
 *       it is replaced, by rename, with the same bytes.</li>
 *   <li>A shard's data files depend only on the inputs — images, model and weights, taps, pooling, seed,
 *       draws, shard size and extraction batch — and on the writer's ND4J threads per op (reductions
 *       split by thread round differently), never on the engine, host, worker count or the order
 *       shards ran in. Varying metadata (timing, host, pid, threads) goes to the manifest only.</li>
 *   <li>A kill at any point loses at most the shards in flight: a rerun reuses every shard whose
 *       manifest was published.</li>
 *   <li>{@link #open()} reads every shard as one split (one {@link FeatureColumn} per tap); it requires
 *       all shards complete.</li>
 * </ul>
 *
 * <h2>Layout</h2>
 * {@code <cache>/<key hash>/}, the key being model, weights, images, transform, seed and draws (not the
 * taps: requests for other taps of the same images add files to the same shards). In it:
 * {@code split.json} (the key, image count, shard size and extraction batch, fixed by the first writer:
 * later runs adopt them), and per shard {@code shard-NNNNN.t<t>_b<b>.<pooling>.feat} (one
 * {@link CacheFile} per tap and pooling), {@code shard-NNNNN.json} ({@link ShardManifest}: rows, skipped
 * images and the data files present), while it is being written {@code shard-NNNNN.lock} and
 * {@code shard-NNNNN.*.tmp}.
 *
 * <p>Local runs build one from objects ({@link FeatureCache}); a distributed engine ships an
 * {@link ExtractionSpec} and calls {@link ExtractionSpec#open()} on the executor, whose backbone is
 * loaded once per JVM and only when a shard has to be computed.
 */
public final class ShardedExtraction {

    private static final Logger log = LoggerFactory.getLogger(ShardedExtraction.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int FORMAT_VERSION = 1;
    public static final int DEFAULT_SHARD_SIZE = 1024;
    /** A partial file of a shard: the target's name plus the random part and ".tmp" {@link AtomicFiles#tempFor} adds. */
    private static final java.util.regex.Pattern TEMP_NAME = java.util.regex.Pattern.compile("shard-(\\d{5,})\\..*\\.tmp");

    private final ImageSource source;
    private final FeatureExtractor extractor;
    private final List<Tap> taps;
    private final IntFunction<Pooling> poolingOfBlock;
    private final long seed;
    private final int draws;
    private final Path dir;
    private final String keyText;
    private final String keyHash;
    private final int shardSize;
    private final int batchSize;
    private final AtomicLong staleBytesFreed = new AtomicLong();
    private UnaryOperator<OutputStream> disk = UnaryOperator.identity();

    /**
     * @param cacheRoot the cache folder; this split's files go to a sub-folder named by its key
     * @param shardSize images per shard, unless the folder was started with another (then that one)
     * @param batchSize images per backbone forward, unless the folder was started with another
     */
    public ShardedExtraction(Path cacheRoot, ImageSource source, FeatureExtractor extractor, List<Tap> taps,
                             IntFunction<Pooling> poolingOfBlock, long seed, int draws, int shardSize, int batchSize) {
        if (taps.isEmpty()) throw new IllegalArgumentException("need at least one tap");
        if (draws < 1) throw new UserInputException("--draws must be >= 1, got " + draws);
        if (shardSize < 1) throw new UserInputException("--shard-size must be >= 1, got " + shardSize);
        if (batchSize < 1) throw new UserInputException("--extract-batch must be >= 1, got " + batchSize);
        this.source = source;
        this.extractor = extractor;
        this.taps = List.copyOf(taps);
        this.poolingOfBlock = poolingOfBlock;
        this.seed = seed;
        this.draws = draws;
        StringBuilder key = new StringBuilder("diffrep-sharded-features v" + FORMAT_VERSION + "\nmodel=" + extractor.model()
                + "\ncheckpoint=" + extractor.checkpoint() + "\ndataset=" + source.describe() + "\nimages=" + source.size()
                + "\nimageSize=" + source.imageSize() + "\nseed=" + seed + "\ndraws=" + draws + "\n");
        this.keyText = key.toString();
        this.keyHash = sha256(keyText);
        this.dir = cacheRoot.resolve(keyHash.substring(0, 16));
        int[] layout = fixLayout(shardSize, batchSize);
        this.shardSize = layout[0];
        this.batchSize = layout[1];
    }

    /** Writes the data files through {@code disk} (each file's stream in, what writes to it out): how tests fill the disk mid-run. */
    ShardedExtraction writingThrough(UnaryOperator<OutputStream> disk) {
        this.disk = disk;
        return this;
    }

    /** What every data file of this split depends on (besides its shard and tap). */
    public String keyText() {
        return keyText;
    }

    public Path directory() {
        return dir;
    }

    public int shardSize() {
        return shardSize;
    }

    public int shardCount() {
        return Math.max(1, (source.size() + shardSize - 1) / shardSize);
    }

    public List<Tap> taps() {
        return taps;
    }

    public int draws() {
        return draws;
    }

    /** Images in a shard's index range (before any unreadable ones are left out). */
    public int rangeSize(int shard) {
        checkShard(shard);
        return end(shard) - first(shard);
    }

    /** Size of a complete shard's data files. */
    public long shardBytes(int shard) {
        long total = 0;
        try {
            for (Tap tap : taps) total += Files.size(dataFile(shard, tap));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total;
    }

    public ImageSource source() {
        return source;
    }

    /** Bytes of partial files of dead writers removed so far by this object. */
    public long staleBytesFreed() {
        return staleBytesFreed.get();
    }

    /** Computes (or reuses, or leaves to its live holder) one shard; see the class contract. */
    public ShardOutcome computeShard(int shard) {
        return computeShard(shard, images -> { });
    }

    /** As {@link #computeShard(int)}, reporting each batch's image count to {@code progress}. */
    public ShardOutcome computeShard(int shard, LongConsumer progress) {
        checkShard(shard);
        long t0 = System.nanoTime();
        try {
            if (missingTaps(shard).isEmpty()) return reused(shard, t0);
            Optional<ShardLock> claim = ShardLock.tryClaim(lockFile(shard));
            if (claim.isEmpty()) return new ShardOutcome(shard, ShardOutcome.Status.HELD, 0, List.of(), seconds(t0));
            try (ShardLock lock = claim.get()) {
                List<Tap> todo = missingTaps(shard);   // the writer whose claim just ended may have finished it
                if (todo.isEmpty()) return reused(shard, t0);
                staleBytesFreed.addAndGet(removeTemps(shard));
                return compute(shard, todo, progress, t0);
            }
        } catch (IOException e) {
            if (diskFull(e)) {
                // the shard's partial files are gone (writers delete them on failure): what is complete stays
                throw new UserInputException("the file system of " + dir + " is full (shard " + shard + "): "
                        + human(bytesNeeded()) + " still needed; complete shards are kept and a rerun with more space resumes", e);
            }
            throw new UncheckedIOException("shard " + shard + " of " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Ids of the shards not yet complete. */
    public List<Integer> incompleteShards() {
        List<Integer> missing = new ArrayList<>();
        for (int s = 0; s < shardCount(); s++) {
            try {
                if (!missingTaps(s).isEmpty()) missing.add(s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return missing;
    }

    /**
     * Bytes the incomplete shards will write (data files at the full shard size; skipped images only
     * make them smaller). Refuses up front a request whose size does not even fit a long.
     */
    public long bytesNeeded() {
        try {
            long total = 0;
            for (int s = 0; s < shardCount(); s++) {
                for (Tap tap : missingTaps(s)) {
                    TapShape shape = extractor.shape(tap.block(), poolingOfBlock.apply(tap.block()));
                    long perImage = Math.addExact(Math.multiplyExact(4L * draws, shape.featureLength()), 12);
                    total = Math.addExact(total, Math.addExact(Math.multiplyExact(perImage, rangeSize(s)), 4096));
                }
            }
            return total;
        } catch (ArithmeticException e) {
            throw new UserInputException("the requested features would take more than 8 EiB (" + taps.size() + " taps, "
                    + draws + " draws, " + source.size() + " images): lower --draws or the number of taps");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Refuses to start when the cache's file system lacks the space the incomplete shards need.
     *
     * @return the bytes needed
     */
    public long checkDiskSpace() {
        long needed = bytesNeeded();
        if (needed == 0) return 0;
        try {
            Files.createDirectories(dir);
            long free = Files.getFileStore(dir).getUsableSpace();
            if (needed > free) {
                throw new UserInputException("not enough space for the feature cache in " + dir + ": needs " + human(needed) + ", "
                        + human(free) + " free (free space, lower --draws or --limit-train, or pick another --cache)");
            }
            return needed;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use cache folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses to start when one backbone forward of an extraction batch cannot fit in this process's
     * memory (a lower bound from the network's layout: weights and the activations its skip
     * connections keep); the way out is a smaller --extract-batch.
     */
    public void checkMemory() {
        int forwardBatch = Math.min(batchSize, Math.min(shardSize, Math.max(1, source.size())));
        extractor.forwardNeed(forwardBatch).ifPresent(need -> need.requireFits("--extract-batch (" + forwardBatch + " now)"));
    }

    /**
     * Removes partial files ({@code *.tmp}) that writers which died left in this split's folder, claiming
     * each shard's lock while doing so, so that a live writer's files are never touched.
     *
     * @return bytes freed
     */
    public long removeStaleTemps() {
        if (!Files.isDirectory(dir)) return 0;
        List<Integer> shards = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> TEMP_NAME.matcher(p.getFileName().toString())).filter(java.util.regex.Matcher::matches)
                    .map(m -> Integer.parseInt(m.group(1))).distinct().sorted().forEach(shards::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long freed = 0;
        for (int s : shards) {
            try {
                Optional<ShardLock> claim = ShardLock.tryClaim(lockFile(s));
                if (claim.isEmpty()) continue;   // a live writer is producing these files
                try (ShardLock lock = claim.get()) {
                    freed += removeTemps(s);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        staleBytesFreed.addAndGet(freed);
        return freed;
    }

    /** Opens every tap of the split, all shards read as one; every shard must be complete. */
    public Map<Tap, FeatureColumn> open() {
        Map<Tap, List<CacheFile>> perTap = new LinkedHashMap<>();
        taps.forEach(t -> perTap.put(t, new ArrayList<>()));
        try {
            for (int s = 0; s < shardCount(); s++) {
                if (!missingTaps(s).isEmpty()) throw new IllegalStateException("shard " + s + " of " + dir + " is not complete");
                for (Tap tap : taps) {
                    try {
                        perTap.get(tap).add(CacheFile.open(dataFile(s, tap), key(s, tap)));
                    } catch (CacheFile.InvalidCacheException e) {
                        throw new IllegalStateException("cache file " + dataFile(s, tap) + " became unusable: " + e.getMessage());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            perTap.values().forEach(l -> l.forEach(CacheFile::close));
            if (e instanceof IOException io) throw new UncheckedIOException(io);
            throw (RuntimeException) e;
        }
        Map<Tap, FeatureColumn> columns = new LinkedHashMap<>();
        perTap.forEach((tap, files) -> columns.put(tap, new ShardedColumn(files)));
        return columns;
    }

    private ShardOutcome compute(int shard, List<Tap> todo, LongConsumer progress, long t0) throws IOException {
        Optional<ShardManifest> before = manifest(shard);
        List<String> skipped = new ArrayList<>();
        int[] rows;
        if (before.isPresent()) {
            rows = before.get().indices();
            skipped.addAll(before.get().skipped());
        } else {
            rows = readable(Feeder.range(first(shard), end(shard)), skipped);
        }
        long[] ids = new long[rows.length];
        int[] labels = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            ids[i] = source.id(rows[i]);
            labels[i] = source.label(rows[i]);
        }
        Map<Tap, CacheFile.Writer> writers = new LinkedHashMap<>();
        try {
            for (Tap tap : todo) {
                TapShape shape = extractor.shape(tap.block(), poolingOfBlock.apply(tap.block()));
                writers.put(tap, new CacheFile.Writer(dataFile(shard, tap), key(shard, tap), ids, labels, draws, shape.channels(), shape.side(), disk));
            }
            for (int draw = 0; draw < draws; draw++) {
                NoiseSource noise = NoiseSource.perImage(Seeds.mix(seed, draw));
                for (int start = 0; start < rows.length; start += batchSize) {
                    int[] idx = Arrays.copyOfRange(rows, start, Math.min(rows.length, start + batchSize));
                    INDArray x0 = source.images(idx, Seeds.mix(seed, draw, 2));
                    long[] batchIds = Arrays.copyOfRange(ids, start, start + idx.length);
                    Map<Tap, INDArray> feats = extractor.extract(x0, batchIds, todo, poolingOfBlock, noise);
                    for (Map.Entry<Tap, CacheFile.Writer> w : writers.entrySet()) {
                        w.getValue().append(FeatureCache.floats(feats.get(w.getKey())));
                    }
                    progress.accept(idx.length);
                }
            }
            for (CacheFile.Writer w : writers.values()) w.commit();
        } finally {
            for (CacheFile.Writer w : writers.values()) w.close();
        }
        // the manifest lists every data file of the shard: those of earlier requests (other taps) and this one's
        Map<String, Long> files = new java.util.TreeMap<>();
        before.ifPresent(m -> m.files().forEach((name, size) -> {
            if (Files.isRegularFile(dir.resolve(name))) files.put(name, size);
        }));
        for (Tap tap : taps) files.put(dataFile(shard, tap).getFileName().toString(), Files.size(dataFile(shard, tap)));
        double secs = seconds(t0);
        ShardManifest m = new ShardManifest(keyHash, shard, first(shard), end(shard), rows, ids, skipped, files, secs,
                ShardLock.host(), ProcessHandle.current().pid(), OpThreads.current(), Instant.now().toString());
        AtomicFiles.writeString(manifestFile(shard), m.toJson());
        return new ShardOutcome(shard, ShardOutcome.Status.COMPUTED, rows.length, skipped, secs);
    }

    /**
     * The indices of a range its source can read, in order ({@link ImageSource#screen}: decoding only,
     * cheap next to the forwards); the others are listed in {@code skipped} as "path: reason".
     * Screening first fixes the rows before any data file is written, so every draw holds the same
     * images. A source past its tolerated fraction of unreadable images fails here, naming them.
     */
    private int[] readable(int[] range, List<String> skipped) {
        ImageSource.Screened s = source.screen(range);
        skipped.addAll(s.skipped());
        return s.readable();
    }

    /** The shard's manifest when it is valid for this split (its rows are the split's), whatever taps it lists; else empty. */
    private Optional<ShardManifest> manifest(int shard) throws IOException {
        Path mf = manifestFile(shard);
        if (!Files.isRegularFile(mf)) return Optional.empty();
        ShardManifest m;
        try {
            m = ShardManifest.read(mf);
        } catch (IOException e) {
            log.warn("shard manifest {} is unreadable ({}): recomputing the shard", mf, e.getMessage());
            return Optional.empty();
        }
        String problem = null;
        if (!keyHash.equals(m.keyHash()) || m.shard() != shard || m.first() != first(shard) || m.end() != end(shard)) {
            problem = "written for another split or shard";
        } else if (m.indices() == null || m.ids() == null || m.files() == null || m.indices().length != m.ids().length) {
            problem = "malformed";
        } else {
            for (int i = 0; problem == null && i < m.indices().length; i++) {
                int idx = m.indices()[i];
                if (idx < m.first() || idx >= m.end() || source.id(idx) != m.ids()[i]) problem = "its images differ from the split";
            }
        }
        if (problem != null) {
            log.warn("shard manifest {} is unusable ({}): recomputing the shard", mf, problem);
            return Optional.empty();
        }
        return Optional.of(m);
    }

    /** The taps of this extraction a shard still needs: all without a valid manifest, else those without a valid file. */
    private List<Tap> missingTaps(int shard) throws IOException {
        Optional<ShardManifest> m = manifest(shard);
        if (m.isEmpty()) return taps;
        int[] labels = new int[m.get().indices().length];
        for (int i = 0; i < labels.length; i++) labels[i] = source.label(m.get().indices()[i]);
        List<Tap> missing = new ArrayList<>();
        for (Tap tap : taps) {
            String problem = m.get().files().containsKey(dataFile(shard, tap).getFileName().toString())
                    ? validData(shard, tap, m.get().ids(), labels) : "missing";
            if (problem == null) continue;
            if (!problem.endsWith("missing")) log.warn("shard {} of {}: {}: recomputing it", shard, dir, problem);
            missing.add(tap);
        }
        return missing;
    }

    /** Null when the tap's data file of the shard is intact and holds exactly these rows; else why not. */
    private String validData(int shard, Tap tap, long[] ids, int[] labels) throws IOException {
        try (CacheFile f = CacheFile.open(dataFile(shard, tap), key(shard, tap))) {
            if (f.draws() != draws) return tap + " holds " + f.draws() + " draws";
            if (!Arrays.equals(f.ids(), ids) || !Arrays.equals(f.labels(), labels)) return tap + " holds other images";
            return null;
        } catch (CacheFile.InvalidCacheException e) {
            return tap + ": " + e.getMessage();
        }
    }

    private ShardOutcome reused(int shard, long t0) throws IOException {
        ShardManifest m = manifest(shard).orElseThrow();
        return new ShardOutcome(shard, ShardOutcome.Status.REUSED, m.indices().length, m.skipped(), seconds(t0));
    }

    /** Removes the shard's partial files; only called while holding its lock, so their writer is dead. */
    private long removeTemps(int shard) throws IOException {
        String prefix = shardName(shard) + ".";
        long freed = 0;
        List<Path> temps;
        try (Stream<Path> files = Files.list(dir)) {
            temps = files.filter(p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".tmp")).toList();
        }
        for (Path p : temps) {
            long size = Files.size(p);
            if (Files.deleteIfExists(p)) freed += size;
        }
        if (freed > 0) log.debug("removed {} of partial files a dead writer left for shard {} in {}", human(freed), shard, dir);
        return freed;
    }

    /** Fixes shard size and extraction batch in split.json on first use; later runs adopt what it says. */
    private int[] fixLayout(int shardSize, int batchSize) {
        Path file = dir.resolve("split.json");
        try {
            Files.createDirectories(dir);
            if (!Files.exists(file)) {
                ObjectNode n = JSON.createObjectNode();
                n.put("format", FORMAT_VERSION).put("key", keyText).put("key_hash", keyHash).put("images", source.size())
                        .put("shard_size", shardSize).put("extract_batch", batchSize)
                        .put("shards", Math.max(1, (source.size() + shardSize - 1) / shardSize));
                Path tmp = AtomicFiles.tempFor(file);
                try {
                    Files.writeString(tmp, n.toPrettyString(), StandardCharsets.UTF_8);
                    publishOnce(tmp, file);
                } catch (FileAlreadyExistsException e) {
                    // another writer fixed the layout first: adopt it below
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            JsonNode n = JSON.readTree(file.toFile());
            if (!keyText.equals(n.path("key").asText())) throw new IllegalStateException(file + " belongs to another split (hash collision?)");
            int fixedShard = n.path("shard_size").asInt();
            int fixedBatch = n.path("extract_batch").asInt();
            if (fixedShard < 1 || fixedBatch < 1) throw new UserInputException(file + " is malformed: remove the folder to start over");
            if (fixedShard != shardSize || fixedBatch != batchSize) {
                log.info("{} was started with shard size {} and batch {}: continuing with those", dir, fixedShard, fixedBatch);
            }
            return new int[]{fixedShard, fixedBatch};
        } catch (IOException e) {
            if (diskFull(e)) throw new UserInputException("the file system of " + dir + " is full: free space or pick another --cache", e);
            throw new UncheckedIOException("cannot use cache folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Whether a write failed because the file system is full (ENOSPC; Java reports it only by its message). */
    private static boolean diskFull(IOException e) {
        return String.valueOf(e.getMessage()).contains("No space left on device");
    }

    /** Publishes {@code tmp} as {@code target} unless target exists (then FileAlreadyExistsException), atomically. */
    private static void publishOnce(Path tmp, Path target) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its default permissions
        }
        try {
            Files.createLink(target, tmp);   // link(2) fails if the target exists: no check-then-rename window
        } catch (UnsupportedOperationException e) {
            Files.move(tmp, target);
        }
    }

    private CacheKey key(int shard, Tap tap) {
        String dataset = source.describe() + " | shard " + shard + " = images [" + first(shard) + ", " + end(shard) + ") | batch " + batchSize;
        return new CacheKey(extractor.model(), extractor.checkpoint(), dataset, tap.t(), tap.block(),
                poolingOfBlock.apply(tap.block()).toString(), source.imageSize(), seed, draws);
    }

    private int first(int shard) {
        return (int) Math.min(source.size(), (long) shard * shardSize);
    }

    private int end(int shard) {
        return (int) Math.min(source.size(), (long) (shard + 1) * shardSize);
    }

    private void checkShard(int shard) {
        if (shard < 0 || shard >= shardCount()) throw new IllegalArgumentException("shard " + shard + " is outside 0.." + (shardCount() - 1));
    }

    private static String shardName(int shard) {
        return String.format("shard-%05d", shard);
    }

    /** {@code shard-00003.t150_b24.avg2.feat}: the pooling is in the name, as one shard may hold a tap under several. */
    Path dataFile(int shard, Tap tap) {
        return dir.resolve(shardName(shard) + "." + tap + "." + poolingOfBlock.apply(tap.block()).toString().replace(":", "") + ".feat");
    }

    Path manifestFile(int shard) {
        return dir.resolve(shardName(shard) + ".json");
    }

    Path lockFile(int shard) {
        return dir.resolve(shardName(shard) + ".lock");
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
