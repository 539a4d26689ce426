package org.diffrep.training.cache;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.diffrep.common.UserInputException;
import org.diffrep.common.util.ByteSizes;
import org.diffrep.common.util.FileHashes;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.training.FullDisk;
import org.diffrep.training.data.GeneratedSquares;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.train.Checkpoint;
import org.diffrep.training.train.EpochMetrics;
import org.diffrep.training.train.Feeder;
import org.diffrep.training.train.OptimizerKind;
import org.diffrep.training.train.TrainConfig;
import org.diffrep.training.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shards are input-determined, resumable, claimed by one writer at a time, and read back as one split. */
class ShardedExtractionTest {

    @TempDir
    Path dir;

    private static final GeneratedSquares IMAGES = new GeneratedSquares(16, 22, 4, 1);
    private static final List<Tap> TAPS = List.of(new Tap(90, 24), new Tap(150, 24), new Tap(150, 12));

    private static ShardedExtraction extraction(Path root, FeatureExtractor ex, int shardSize) {
        return new ShardedExtraction(root, IMAGES, ex, TAPS, b -> b == 24 ? Pooling.avg(2) : Pooling.NONE, 7, 2, shardSize, 3);
    }

    /** Every data file of a split's folder: name → bytes. */
    private static Map<String, byte[]> dataFiles(ShardedExtraction ex) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(ex.directory())) {
            for (Path p : s.filter(p -> p.toString().endsWith(".feat")).toList()) files.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        return files;
    }

    @Test
    void shardDataFilesAreByteIdenticalWhateverOrderTheShardsRanIn() throws IOException {
        ShardedExtraction forward = extraction(dir.resolve("a"), new FakeExtractor(), 6);
        ShardedExtraction backward = extraction(dir.resolve("b"), new FakeExtractor(), 6);
        assertThat(forward.shardCount()).isEqualTo(4);
        for (int s = 0; s < 4; s++) assertThat(forward.computeShard(s).status()).isEqualTo(ShardOutcome.Status.COMPUTED);
        for (int s = 3; s >= 0; s--) assertThat(backward.computeShard(s).status()).isEqualTo(ShardOutcome.Status.COMPUTED);
        Map<String, byte[]> a = dataFiles(forward);
        Map<String, byte[]> b = dataFiles(backward);
        assertThat(a).hasSize(4 * TAPS.size());
        assertThat(b.keySet()).isEqualTo(a.keySet());
        a.forEach((name, bytes) -> assertThat(b.get(name)).as(name).isEqualTo(bytes));
        assertThat(forward.computeShard(2).status()).isEqualTo(ShardOutcome.Status.REUSED);
        assertThat(Files.readString(forward.manifestFile(2))).contains("\"host\"", "\"seconds\"", "\"key_hash\"");
    }

    @Test
    void aRunInterruptedAfterSomeShardsIsResumedComputingOnlyTheRestAndEndsIdentical() throws IOException {
        ShardedExtraction whole = extraction(dir.resolve("whole"), new FakeExtractor(), 5);
        new LocalExtractionEngine().optProgress(false).run(whole);

        // 22 images, shards of 5 (5 shards), batches of 3 (2 per shard) and 2 draws: 4 forwards per shard
        Path resumed = dir.resolve("resumed");
        FeatureExtractor dying = new AtForward(new FakeExtractor(), 4 * 2 + 1, () -> {
            throw new IllegalStateException("killed");
        });
        assertThatThrownBy(() -> new LocalExtractionEngine().optProgress(false).run(extraction(resumed, dying, 5)))
                .hasMessageContaining("killed");
        assertThat(extraction(resumed, new FakeExtractor(), 5).incompleteShards()).containsExactly(2, 3, 4);

        FakeExtractor counting = new FakeExtractor();
        ExtractionReport report = new LocalExtractionEngine().optProgress(false).run(extraction(resumed, counting, 5));
        assertThat(report.shardsComputed()).isEqualTo(3);
        assertThat(report.shardsReused()).isEqualTo(2);
        assertThat(report.images()).isEqualTo(22);
        assertThat(counting.calls).isEqualTo(4 + 4 + 2);   // the last shard holds 2 images: one batch per draw
        assertThat(dataFiles(extraction(resumed, counting, 5))).usingRecursiveComparison().isEqualTo(dataFiles(whole));
        try (Stream<Path> s = Files.list(extraction(resumed, counting, 5).directory())) {
            assertThat(s.map(Path::toString)).noneMatch(n -> n.endsWith(".tmp") || n.endsWith(".lock"));
        }
    }

    /**
     * The disk fills while shard 2 is written ({@code shareOfShard2}: at its first header, or halfway through its
     * data): one line naming the split's folder and the bytes still needed, shards 0 and 1 kept as they are,
     * nothing partial left, and a rerun with space computes only the rest and ends byte-identical.
     */
    @ParameterizedTest
    @ValueSource(doubles = {0.01, 0.5})
    void aDiskFullMidRunKeepsCompleteShardsSaysWhatIsStillNeededAndARerunWithSpaceEndsIdentical(double shareOfShard2) throws IOException {
        ShardedExtraction whole = extraction(dir.resolve("whole"), new FakeExtractor(), 5);
        new LocalExtractionEngine().optProgress(false).run(whole);
        long room = whole.shardBytes(0) + whole.shardBytes(1) + (long) (shareOfShard2 * whole.shardBytes(2));

        Path cache = dir.resolve("small-disk");
        ShardedExtraction filling = extraction(cache, new FakeExtractor(), 5).writingThrough(new FullDisk(room));
        Throwable error = catchThrowable(() -> new LocalExtractionEngine().optProgress(false).run(filling));

        ShardedExtraction after = extraction(cache, new FakeExtractor(), 5);
        assertThat(after.incompleteShards()).containsExactly(2, 3, 4);
        assertDiskFullReported(error, after);
        resumesWithSpaceToTheSameBytes(after, whole);
    }

    /**
     * The same on a real file system of 1 MiB (tmpfs) that another writer fills while shard 2 is computed:
     * the JDK's own ENOSPC. Needs root and mount(8), as on a developer's machine or CI running as root;
     * skipped elsewhere (the test above covers the same contract with a simulated disk).
     */
    @Test
    void aRealFileSystemFilledMidRunIsReportedAndResumed() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("tmpfs"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()) == 0, "mounting a tmpfs needs root");
        try {
            ShardedExtraction whole = extraction(dir.resolve("whole"), new FakeExtractor(), 5);
            new LocalExtractionEngine().optProgress(false).run(whole);
            Path filler = mount.resolve("filler");
            // 4 forwards per shard (2 batches x 2 draws): the 9th is shard 2's first, after its files were opened
            FeatureExtractor fillsTheDisk = new AtForward(new FakeExtractor(), 4 * 2 + 1, () -> fill(filler));
            Path cache = mount.resolve("cache");
            Throwable error = catchThrowable(() -> new LocalExtractionEngine().optProgress(false).run(extraction(cache, fillsTheDisk, 5)));
            assertThat(error).hasRootCauseMessage("No space left on device");

            ShardedExtraction after = extraction(cache, new FakeExtractor(), 5);
            assertThat(after.incompleteShards()).containsExactly(2, 3, 4);
            assertDiskFullReported(error, after);
            // a new split on the full file system: refused in one line when its layout file cannot be written
            Path more = mount.resolve("more");
            fill(more);
            assertThatThrownBy(() -> extraction(mount.resolve("other-cache"), new FakeExtractor(), 7))
                    .isInstanceOf(UserInputException.class).hasMessageContaining("the file system of " + mount.resolve("other-cache"))
                    .hasMessageContaining("is full");
            Files.delete(filler);
            Files.delete(more);
            resumesWithSpaceToTheSameBytes(after, whole);
        } finally {
            if (run("umount", mount.toString()) != 0) run("umount", "-l", mount.toString());
        }
    }

    /** One line naming the split's folder and what its incomplete shards still need. */
    private static void assertDiskFullReported(Throwable error, ShardedExtraction after) {
        assertThat(error).isInstanceOf(UserInputException.class);
        assertThat(error.getMessage()).doesNotContain("\n").contains("the file system of " + after.directory() + " is full")
                .contains(ByteSizes.human(after.bytesNeeded()) + " still needed").contains("complete shards are kept");
    }

    /** Complete shards as an uninterrupted run wrote them, nothing partial, and a rerun computing only the rest to the same bytes. */
    private static void resumesWithSpaceToTheSameBytes(ShardedExtraction after, ShardedExtraction whole) throws IOException {
        Map<String, byte[]> expected = dataFiles(whole);
        Map<String, byte[]> kept = dataFiles(after);
        assertThat(kept.keySet()).allMatch(n -> n.startsWith("shard-00000.") || n.startsWith("shard-00001.")).hasSize(2 * TAPS.size());
        kept.forEach((name, bytes) -> assertThat(bytes).as(name).isEqualTo(expected.get(name)));
        try (Stream<Path> s = Files.list(after.directory())) {
            assertThat(s.map(Path::toString)).noneMatch(n -> n.endsWith(".tmp") || n.endsWith(".lock"));
        }
        ExtractionReport report = new LocalExtractionEngine().optProgress(false).run(after);
        assertThat(report.shardsComputed()).isEqualTo(3);
        assertThat(report.shardsReused()).isEqualTo(2);
        assertThat(dataFiles(after)).usingRecursiveComparison().isEqualTo(expected);
    }

    /** Writes {@code file} until its file system is full. */
    private static void fill(Path file) {
        byte[] block = new byte[64 * 1024];
        try (var out = Files.newOutputStream(file)) {
            while (true) out.write(block);
        } catch (IOException full) {
            // the file system is full now: the extraction's next write fails
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException notInstalled) {
            return -1;
        }
    }

    @Test
    void staleTempFilesOfDeadWritersAreRemovedThoseOfLiveWritersKept() throws Exception {
        ShardedExtraction ex = extraction(dir, new FakeExtractor(), 6);
        Files.createDirectories(ex.directory());
        long deadPid = deadPid();
        writeLock(ex.lockFile(0), deadPid);
        Path deadTemp = ex.directory().resolve("shard-00000.t150_b24.feat123.tmp");
        Files.write(deadTemp, new byte[1000]);
        Path orphanTemp = ex.directory().resolve("shard-00003.json456.tmp");   // no lock at all: its writer is gone
        Files.write(orphanTemp, new byte[24]);
        writeLock(ex.lockFile(1), ProcessHandle.current().pid());
        Path liveTemp = ex.directory().resolve("shard-00001.t150_b24.feat789.tmp");
        Files.write(liveTemp, new byte[500]);

        assertThat(ex.removeStaleTemps()).isEqualTo(1024);
        assertThat(deadTemp).doesNotExist();
        assertThat(orphanTemp).doesNotExist();
        assertThat(liveTemp).exists();
        assertThat(ex.lockFile(1)).exists();
        assertThat(ex.lockFile(0)).as("released after cleaning").doesNotExist();
    }

    @Test
    void aShardHeldByALiveWriterIsSkippedAndOneOfADeadWriterTakenOver() throws Exception {
        FakeExtractor fake = new FakeExtractor();
        ShardedExtraction ex = extraction(dir, fake, 6);
        Files.createDirectories(ex.directory());
        writeLock(ex.lockFile(1), ProcessHandle.current().pid());
        writeLock(ex.lockFile(2), deadPid());
        assertThat(ex.computeShard(1).status()).isEqualTo(ShardOutcome.Status.HELD);
        assertThat(fake.calls).isZero();
        assertThat(ex.computeShard(2).status()).isEqualTo(ShardOutcome.Status.COMPUTED);
        assertThat(ex.lockFile(2)).doesNotExist();
        assertThat(ex.incompleteShards()).containsExactly(0, 1, 3);

        Files.delete(ex.lockFile(1));   // the live writer gave up without finishing
        assertThat(ex.computeShard(1).status()).isEqualTo(ShardOutcome.Status.COMPUTED);
    }

    @Test
    void aLockFromAnotherHostIsStaleOnlyOnceItsHeartbeatIsOld() throws Exception {
        ShardedExtraction ex = extraction(dir, new FakeExtractor(), 6);
        Files.createDirectories(ex.directory());
        String other = "{\"host\":\"some-other-host\",\"pid\":1,\"started\":\"" + Instant.now() + "\",\"token\":\"elsewhere\"}";
        Files.writeString(ex.lockFile(0), other);
        assertThat(ex.computeShard(0).status()).as("fresh heartbeat: alive").isEqualTo(ShardOutcome.Status.HELD);
        Files.setLastModifiedTime(ex.lockFile(0), java.nio.file.attribute.FileTime.from(
                Instant.now().minus(ShardLock.STALE_AFTER).minusSeconds(60)));
        assertThat(ex.computeShard(0).status()).as("silent past the limit: taken over").isEqualTo(ShardOutcome.Status.COMPUTED);
        assertThat(ex.lockFile(0)).doesNotExist();
    }

    @Test
    void absurdRequestsAndMissingSpaceAreRefusedBeforeAnyWork() {
        FakeExtractor fake = new FakeExtractor();
        ShardedExtraction huge = new ShardedExtraction(dir, IMAGES, fake, TAPS, b -> Pooling.NONE, 7, Integer.MAX_VALUE, 6, 3);
        assertThatThrownBy(() -> new LocalExtractionEngine().optProgress(false).run(huge))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("not enough space for the feature cache in .*: needs [0-9.]+ TiB, .* free .*");
        assertThat(fake.calls).isZero();
        assertThat(extraction(dir, fake, 6).bytesNeeded()).isGreaterThan(22L * 2 * 4 * (8 * 2 * 2 + 8 * 2 * 2 + 8 * 4 * 4));
    }

    @Test
    void aSplitReadFromManyShardsEqualsOneReadFromASingleShardAndTrainsIdentically() {
        HeadConfig head = HeadConfig.defaults(HeadKind.LINEAR, List.of(150), List.of(24), 4);
        IntFunction<Pooling> pooling = b -> head.pool();
        FeatureCache.Request many = new FeatureCache.Request(IMAGES, List.of(150), List.of(24), pooling, 5, 2, 3, 6);
        FeatureCache.Request one = new FeatureCache.Request(IMAGES, List.of(150), List.of(24), pooling, 5, 2, 3, 1000);
        GeneratedSquares evalImages = new GeneratedSquares(16, 8, 4, 2);
        FeatureCache.Request eval = new FeatureCache.Request(evalImages, List.of(150), List.of(24), pooling, 5, 1, 3);
        try (CachedSplit sharded = new FeatureCache(dir.resolve("many")).optProgress(false).ensure(many, new FakeExtractor());
             CachedSplit single = new FeatureCache(dir.resolve("one")).optProgress(false).ensure(one, new FakeExtractor());
             CachedSplit ev = new FeatureCache(dir.resolve("eval")).optProgress(false).ensure(eval, new FakeExtractor())) {
            assertThat(sharded.report().shardsTotal()).isEqualTo(4);
            assertThat(single.report().shardsTotal()).isEqualTo(1);
            int[] all = Feeder.range(0, 22);
            for (int pass : new int[]{Feeder.EVAL, 0, 1, 2}) {
                INDArray a = sharded.inputs(all, pass).get(ClassifierGraph.featureName(24));
                assertThat(a).as("pass " + pass).isEqualTo(single.inputs(all, pass).get(ClassifierGraph.featureName(24)));
            }
            int[] scattered = {21, 0, 7, 6, 13, 5};
            assertThat(sharded.inputs(scattered, 1)).isEqualTo(single.inputs(scattered, 1));

            TrainConfig cfg = TrainConfig.builder(0.01, 4).optEpochs(2).optOptimizer(OptimizerKind.ADAM).optWeightDecay(1e-4)
                    .optLrSchedule(1, 0.5).optSeed(11).optEvalBatch(8).build();
            List<EpochMetrics> fromShards = new Trainer(ClassifierGraph.onFeatures(head, sharded.shapes(), 3), sharded, ev, cfg,
                    dir.resolve("run-many"), JsonNodeFactory.instance.objectNode()).optProgress(false).run(false);
            List<EpochMetrics> fromOne = new Trainer(ClassifierGraph.onFeatures(head, single.shapes(), 3), single, ev, cfg,
                    dir.resolve("run-one"), JsonNodeFactory.instance.objectNode()).optProgress(false).run(false);
            for (int i = 0; i < fromOne.size(); i++) {
                assertThat(fromShards.get(i)).usingRecursiveComparison().ignoringFields("seconds").isEqualTo(fromOne.get(i));
            }
            Checkpoint a = Checkpoint.read(dir.resolve("run-many").resolve(Trainer.CHECKPOINT));
            Checkpoint b = Checkpoint.read(dir.resolve("run-one").resolve(Trainer.CHECKPOINT));
            a.arrays().forEach((k, v) -> assertThat(b.arrays().get(k)).as(k).isEqualTo(v));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aSpecOpenedInAnotherPlaceWritesTheSameBytesAsTheLocalPath() throws IOException {
        Path checkpoint = org.diffrep.training.TestFixtures.admTinyCheckpoint();
        String sha = FileHashes.sha256(checkpoint);
        ExtractionSpec spec = new ExtractionSpec(new ExtractionSpec.Data("synthetic", null, "adm-tiny", null, checkpoint.toString(), sha,
                true, null, 10, "FLIP", 0.01), List.of(150), List.of(12, 24), Map.of(12, "avg:2", 24, "none"), 7, 1, 4, 2,
                dir.resolve("remote").toUri().toString());
        ShardedExtraction remote = spec.open();
        assertThat(spec.open()).as("one per JVM").isSameAs(remote);
        assertThat(remote.shardCount()).isEqualTo(3);
        for (int s = 2; s >= 0; s--) assertThat(remote.computeShard(s).status()).isEqualTo(ShardOutcome.Status.COMPUTED);

        org.diffrep.training.data.Inputs in = org.diffrep.training.data.Inputs.builder().optDataset("synthetic").optConfig("adm-tiny")
                .optCheckpoint(checkpoint).optLimitTrain(10).build();
        FeatureCache.Request r = new FeatureCache.Request(in.trainImages(), List.of(150), List.of(12, 24),
                b -> b == 12 ? Pooling.avg(2) : Pooling.NONE, 7, 1, 2, 4);
        FeatureCache local = new FeatureCache(dir.resolve("local")).optProgress(false);
        try (CachedSplit split = local.ensure(r, in.extractor(24))) {
            assertThat(split.size()).isEqualTo(10);
        }
        ShardedExtraction here = local.extraction(r, in.extractor(24));
        assertThat(here.directory().getFileName()).isEqualTo(remote.directory().getFileName());
        assertThat(dataFiles(here)).usingRecursiveComparison().isEqualTo(dataFiles(remote));
    }

    @Test
    void unreadableImagesAreSkippedAndListedInTheShardManifestAndTheReport() throws IOException {
        Path root = dir.resolve("cub");
        List<Path> files = org.diffrep.training.data.CubFolder.write(root, 2, 6, 5);
        org.diffrep.training.data.CubFolder.truncate(files.get(3));   // training image 3: shard 0 of shards of 4
        org.diffrep.training.data.ImageSource train = org.diffrep.training.data.Inputs.builder().optDataset("cub").optRoot(root)
                .optConfig("adm-tiny").optCheckpoint(org.diffrep.training.TestFixtures.admTinyCheckpoint()).optMaxUnreadable(0.2)
                .build().trainImages();
        FeatureCache.Request r = new FeatureCache.Request(train, List.of(150), List.of(24), b -> Pooling.avg(2), 1, 2, 3, 4);
        FeatureCache cache = new FeatureCache(dir.resolve("cache")).optProgress(false);
        try (CachedSplit split = cache.ensure(r, new FakeExtractor())) {
            assertThat(split.size()).isEqualTo(9);
            assertThat(split.report().unreadable()).singleElement().asString().startsWith(files.get(3) + ": ").contains("truncated");
            assertThat(split.columns().get(new Tap(150, 24)).ids()).containsExactly(0, 1, 2, 4, 5, 6, 7, 8, 9);
        }
        ShardedExtraction ex = cache.extraction(r, new FakeExtractor());
        ShardManifest manifest = ShardManifest.read(ex.manifestFile(0));
        assertThat(manifest.skipped()).singleElement().asString().contains(files.get(3).toString());
        assertThat(manifest.threads()).as("the writer's ND4J threads per op, on which the data bytes depend")
                .isEqualTo(org.diffrep.model.runtime.OpThreads.current()).isPositive();
        assertThat(ex.computeShard(0).skipped()).as("a reused shard still reports its skipped images").hasSize(1);
    }

    /** The pid of a process that has ended. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private static void writeLock(Path lock, long pid) throws IOException {
        String json = "{\"host\":\"" + ShardLock.host() + "\",\"pid\":" + pid + ",\"started\":\"" + Instant.now()
                + "\",\"token\":\"test-" + pid + "\"}";
        Files.writeString(lock, json, StandardCharsets.UTF_8);
    }

    /** Runs {@code action} before its n-th forward: a kill mid-shard (it throws), a disk filled by someone else. */
    private static final class AtForward extends ForwardingExtractor {
        private final int n;
        private final Runnable action;
        private int calls;

        AtForward(FeatureExtractor inner, int n, Runnable action) {
            super(inner);
            this.n = n;
            this.action = action;
        }

        @Override
        public Map<Tap, INDArray> extract(INDArray x0, long[] ids, Collection<Tap> taps, IntFunction<Pooling> pooling, NoiseSource noise) {
            if (++calls == n) action.run();
            return inner.extract(x0, ids, taps, pooling, noise);
        }
    }
}
