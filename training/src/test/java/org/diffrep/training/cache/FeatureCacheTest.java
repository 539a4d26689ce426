package org.diffrep.training.cache;

import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.training.data.GeneratedSquares;
import org.diffrep.training.train.Feeder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The cache is reused when intact and rebuilt, never read, when partial, corrupt or written for another key. */
class FeatureCacheTest {

    @TempDir
    Path dir;

    private final GeneratedSquares images = new GeneratedSquares(16, 10, 4, 1);

    private FeatureCache.Request request(int draws) {
        return new FeatureCache.Request(images, List.of(90, 150), List.of(24), b -> Pooling.avg(2), 3, draws, 4);
    }

    private static INDArray features(CachedSplit split, int pass) {
        return split.inputs(new int[]{0, 3, 9}, pass).get("features_b24");
    }

    @Test
    void intactCacheIsReusedWithoutExtracting() {
        FakeExtractor ex = new FakeExtractor();
        FeatureCache cache = new FeatureCache(dir).optProgress(false);
        INDArray first;
        try (CachedSplit s = cache.ensure(request(2), ex)) {
            assertThat(s.shapes().get(24)).isEqualTo(new org.diffrep.training.graph.ClassifierGraph.Shape(8, 2));
            first = features(s, 0);
            assertThat(first.shape()).containsExactly(6, 8, 2, 2);
        }
        int calls = ex.calls;
        assertThat(calls).isEqualTo(2 * 3);
        try (CachedSplit s = cache.ensure(request(2), ex)) {
            assertThat(features(s, 0)).isEqualTo(first);
        }
        assertThat(ex.calls).isEqualTo(calls);
        try (CachedSplit s = cache.ensure(request(1), ex)) {
            assertThat(s.size()).isEqualTo(10);
        }
        assertThat(ex.calls).as("another K is another key").isGreaterThan(calls);
    }

    @Test
    void corruptTruncatedOrForeignFilesAreRebuilt() throws IOException {
        FakeExtractor ex = new FakeExtractor();
        FeatureCache cache = new FeatureCache(dir).optProgress(false);
        INDArray expected;
        try (CachedSplit s = cache.ensure(request(1), ex)) {
            expected = features(s, Feeder.EVAL);
        }
        Path file = cache.extraction(request(1), ex).dataFile(0, new Tap(150, 24));
        Path other = cache.extraction(request(1), ex).dataFile(0, new Tap(90, 24));
        long size = Files.size(file);

        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(size - 40);
            int b = raf.read();
            raf.seek(size - 40);
            raf.write(b ^ 0x5A);
        }
        // another program changing the file moves its modification time (a file verified in this
        // process is re-checked only when its size or modification time changed)
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));
        assertRebuilt(cache, ex, expected);

        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size / 2);
        }
        assertRebuilt(cache, ex, expected);

        Files.copy(other, file, StandardCopyOption.REPLACE_EXISTING);
        assertRebuilt(cache, ex, expected);

        Files.writeString(file, "");
        assertRebuilt(cache, ex, expected);
        try (var files = Files.walk(dir)) {
            assertThat(files.filter(p -> p.toString().endsWith(".tmp") || p.toString().endsWith(".lock"))).isEmpty();
        }
    }

    private void assertRebuilt(FeatureCache cache, FakeExtractor ex, INDArray expected) {
        int before = ex.calls;
        try (CachedSplit s = cache.ensure(request(1), ex)) {
            assertThat(ex.calls).isGreaterThan(before);
            assertThat(features(s, Feeder.EVAL)).isEqualTo(expected);
        }
    }

    @Test
    void trainingPicksOneOfTheDrawsPerEpochAndEvaluationTheFirst() {
        FakeExtractor ex = new FakeExtractor();
        try (CachedSplit s = new FeatureCache(dir).optProgress(false).ensure(request(3), ex)) {
            Map<String, INDArray> eval1 = s.inputs(new int[]{1, 2}, Feeder.EVAL);
            Map<String, INDArray> eval2 = s.inputs(new int[]{1, 2}, Feeder.EVAL);
            assertThat(eval1).isEqualTo(eval2);
            boolean differs = false;
            for (int epoch = 0; epoch < 6; epoch++) differs |= !s.inputs(new int[]{1, 2}, epoch).equals(eval1);
            assertThat(differs).isTrue();
        }
    }
}
