package org.diffrep.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.datavec.api.records.Record;
import org.datavec.api.records.reader.RecordReader;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Writable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

class ImageBatchIteratorTest {
    @TempDir
    Path root;

    private static List<Integer> labels(ImageBatchIterator it) {
        List<Integer> out = new ArrayList<>();
        while (it.hasNext()) {
            DataSet b = it.next();
            for (int i = 0; i < b.numExamples(); i++) {
                out.add(b.getLabels().getRow(i).argMax().getInt(0));
            }
        }
        return out;
    }

    @Test
    void unreadableImagesAreSkippedCountedAndListedWithinTheTolerance() throws Exception {
        List<Path> images = Fixtures.cub(root, 2, 6, 6);
        Fixtures.truncate(images.get(1));
        Files.delete(images.get(7));
        ImageDataset ds = DatasetRegistry.open("cub", root);
        LoaderOptions o = LoaderOptions.evaluation(16).withBatchSize(4).withThreads(2).withMaxBadFraction(0.2);
        try (ImageBatchIterator it = new ImageBatchIterator(ds, "train", o)) {
            List<Integer> sizes = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            while (it.hasNext()) {
                DataSet b = it.next();
                assertThat(b.getFeatures().shape()).containsExactly(b.numExamples(), 3, 16, 16);
                sizes.add(b.numExamples());
                for (int i = 0; i < b.numExamples(); i++) {
                    labels.add(b.getLabels().getRow(i).argMax().getInt(0));
                }
            }
            assertThat(sizes).containsExactly(4, 4, 2);
            assertThat(labels).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 1);
            assertThat(it.report().problems()).extracting(LoadReport.Problem::path, LoadReport.Problem::reason)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple(images.get(1).toString(), "truncated JPEG (no end-of-image marker)"),
                            org.assertj.core.groups.Tuple.tuple(images.get(7).toString(), "missing file"));
            assertThat(it.report().exceeded()).isFalse();
        }
    }

    @Test
    void aRunFailsOnceTooLargeAFractionIsUnreadable() throws Exception {
        List<Path> images = Fixtures.cub(root, 2, 6, 6);
        Fixtures.truncate(images.get(1));
        Fixtures.truncate(images.get(2));
        ImageDataset ds = DatasetRegistry.open("cub", root);
        LoaderOptions o = LoaderOptions.evaluation(16).withBatchSize(4).withThreads(1).withMaxBadFraction(0.1);
        try (ImageBatchIterator it = new ImageBatchIterator(ds, "train", o)) {
            assertThatThrownBy(() -> labels(it)).isInstanceOf(TooManyUnreadableImagesException.class)
                    .hasMessageContaining("2 of 12 files unreadable").hasMessageContaining(images.get(1).toString());
        }
    }

    @Test
    void shuffleIsSeededPerEpochAndIndependentOfThreadCount() throws Exception {
        Fixtures.cub(root, 6, 4, 4);
        ImageDataset ds = DatasetRegistry.open("cub", root);
        LoaderOptions o = LoaderOptions.training(8, 42).withBatchSize(5);
        List<Integer> epoch0;
        List<Integer> epoch1;
        DataSet firstBatch;
        try (ImageBatchIterator it = new ImageBatchIterator(ds, "train", o.withThreads(1))) {
            firstBatch = it.next();
            it.reset();
            it.setEpoch(0);
            epoch0 = labels(it);
            it.reset();
            epoch1 = labels(it);
            assertThat(it.epoch()).isEqualTo(1);
        }
        assertThat(epoch0).hasSize(20);
        assertThat(epoch1).hasSize(20).isNotEqualTo(epoch0);
        try (ImageBatchIterator it = new ImageBatchIterator(ds, "train", o.withThreads(3))) {
            DataSet again = it.next();
            assertThat(again.getFeatures()).isEqualTo(firstBatch.getFeatures());
            it.setEpoch(0);
            assertThat(labels(it)).isEqualTo(epoch0);
        }
        try (ImageBatchIterator it = new ImageBatchIterator(ds, "train", o.withSeed(7))) {
            assertThat(labels(it)).isNotEqualTo(epoch0);
        }
        try (ImageBatchIterator it = new ImageBatchIterator(ds, "train", o.withShuffle(false).withDropLast(false))) {
            assertThat(labels(it)).isSorted();
        }
    }

    @Test
    void resetBeforeConsumingKeepsTheEpoch() throws Exception {
        Fixtures.cub(root, 2, 2, 2);
        ImageDataset ds = DatasetRegistry.open("cub", root);
        try (ImageBatchIterator it = new ImageBatchIterator(ds, "train", LoaderOptions.training(8, 1).withBatchSize(3))) {
            it.reset();
            assertThat(it.epoch()).isZero();
            // 4 images, batch 3, drop last: one batch per epoch
            assertThat(labels(it)).hasSize(3);
            assertThat(it.totalOutcomes()).isEqualTo(2);
            assertThat(it.inputColumns()).isEqualTo(3 * 8 * 8);
        }
    }

    @Test
    void recordReaderYieldsDataVecRecordsAndSkipsUnreadableImages() throws Exception {
        List<Path> images = Fixtures.cub(root, 3, 2, 1);
        Fixtures.truncate(images.get(3));
        ImageDataset ds = DatasetRegistry.open("cub", root);
        RecordReader reader = new SampleRecordReader(ds, "test", LoaderOptions.evaluation(8).withMaxBadFraction(0.5));
        List<Integer> labels = new ArrayList<>();
        List<Record> records = new ArrayList<>();
        while (reader.hasNext()) {
            Record r = reader.nextRecord();
            records.add(r);
            List<Writable> w = r.getRecord();
            assertThat(((NDArrayWritable) w.get(0)).get().shape()).containsExactly(1, 3, 8, 8);
            labels.add(w.get(1).toInt());
        }
        // test images are the second of each class; the class-1 one is truncated
        assertThat(labels).containsExactly(0, 2);
        assertThat(((SampleRecordReader) reader).report().problems()).extracting(LoadReport.Problem::path)
                .containsExactly(images.get(3).toString());
        assertThat(reader.getLabels()).hasSize(3);
        Record again = reader.loadFromMetaData(records.get(1).getMetaData());
        assertThat(again.getRecord().get(0)).isEqualTo(records.get(1).getRecord().get(0));
        reader.reset();
        assertThat(reader.hasNext()).isTrue();
    }

    @Test
    void aSplitReadPieceByPieceNamesEachBatchsPositionsAndSharesOneReport() throws Exception {
        List<Path> images = Fixtures.cub(root, 2, 6, 6);
        Fixtures.truncate(images.get(4));
        ImageDataset ds = DatasetRegistry.open("cub", root);
        LoaderOptions o = LoaderOptions.training(16, 0).withShuffle(false).withDropLast(false).withThreads(2).withMaxBadFraction(0.1);
        try (ImageSplit split = new ImageSplit(ds, "train", o)) {
            LoadReport report = split.newReport(12);
            List<int[]> positions = new ArrayList<>();
            DataSet first;
            try (ImageBatchIterator it = split.iterator(new int[] {9, 4, 5, 1}, 3, 2, report)) {
                first = it.next();
                positions.add(ImageBatchIterator.positions(first));
                positions.add(ImageBatchIterator.positions(it.next()));
                assertThat(it.hasNext()).isFalse();
            }
            assertThat(positions).containsExactly(new int[] {9, 5}, new int[] {1});
            // flips are seeded by (seed, position): sample 5 alone looks as it did next to sample 9
            try (ImageBatchIterator it = split.iterator(new int[] {5, 4}, 3, 8, report)) {
                DataSet alone = it.next();
                assertThat(ImageBatchIterator.positions(alone)).containsExactly(5);
                assertThat(alone.getFeatures().slice(0)).isEqualTo(first.getFeatures().slice(1));
            }
            assertThat(report.problems()).extracting(LoadReport.Problem::path).containsExactly(images.get(4).toString());
            assertThat(report.exceeded()).isFalse();
        }
    }
}
