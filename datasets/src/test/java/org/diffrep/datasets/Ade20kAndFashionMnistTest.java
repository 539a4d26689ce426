package org.diffrep.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

class Ade20kAndFashionMnistTest {
    @TempDir
    Path root;

    private Path writeAde() throws Exception {
        Path ade = root.resolve("ADEChallengeData2016");
        // 8x4 image: left half red, right half blue; label: left half 0 (unlabelled), right half 5, top row 150
        int[][] label = new int[4][8];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 8; x++) {
                label[y][x] = y == 0 ? 150 : x < 4 ? 0 : 5;
            }
        }
        for (String[] split : new String[][] {{"training", "ADE_train_00000001"}, {"validation", "ADE_val_00000001"}}) {
            // PNG bytes under the .jpg name keep the colours exact; the decoder goes by content, not extension
            Fixtures.png(ade.resolve("images").resolve(split[0]).resolve(split[1] + ".jpg"), Fixtures.halves(8, 4, Color.RED, Color.BLUE));
            Fixtures.labelPng(ade.resolve("annotations").resolve(split[0]).resolve(split[1] + ".png"), label);
        }
        Fixtures.write(ade.resolve("objectInfo150.txt"), "Idx\tRatio\tTrain\tVal\tName\n1\t0.1576\t11664\t1172\twall\n"
                + "5\t0.0599\t9336\t933\tfloor;flooring\n");
        return ade;
    }

    @Test
    void ade20kLabelsShareTheImageGeometryAndZeroIsIgnored() throws Exception {
        writeAde();
        ImageDataset ds = DatasetRegistry.open("ade20k", root);
        assertThat(ds.task()).isEqualTo(Task.SEMANTIC_SEGMENTATION);
        assertThat(ds.numClasses()).isEqualTo(150);
        assertThat(ds.classNames().get(0)).isEqualTo("wall");
        assertThat(ds.classNames().get(4)).isEqualTo("floor;flooring");
        assertThat(ds.samples("train")).hasSize(1);
        Sample s = ds.samples("val").get(0);
        assertThat(s.labelMap().getFileName().toString()).isEqualTo("ADE_val_00000001.png");

        // S = 4: crop keeps columns 2..5; columns 0-1 of the output are unlabelled, 2-3 are class 4
        SampleLoader eval = new SampleLoader(ds, "val", LoaderOptions.evaluation(4));
        LoadedSample plain = eval.load(s, new SplittableRandom(0));
        assertThat(plain.labelMap()).containsExactly(149, 149, 149, 149, -1, -1, 4, 4, -1, -1, 4, 4, -1, -1, 4, 4);
        // with flips, the blue (right) image half must always carry class 4
        SampleLoader train = new SampleLoader(ds, "val", LoaderOptions.training(4, 0));
        for (long seed = 0; seed < 8; seed++) {
            LoadedSample t = train.load(s, new SplittableRandom(seed));
            for (int x = 0; x < 4; x++) {
                boolean blue = t.pixels()[2 * 16 + 2 * 4 + x] > 0.5f;
                assertThat(t.labelMap()[2 * 4 + x]).isEqualTo(blue ? 4 : -1);
            }
        }
    }

    @Test
    void ade20kBatchesCarryLabelMapsAndAMaskOfLabelledPixels() throws Exception {
        writeAde();
        ImageDataset ds = DatasetRegistry.open("ade20k", root);
        try (ImageBatchIterator it = new ImageBatchIterator(ds, "train", LoaderOptions.evaluation(4).withThreads(1))) {
            DataSet b = it.next();
            assertThat(b.getLabels().shape()).containsExactly(1, 1, 4, 4);
            assertThat(b.getLabelsMaskArray().sumNumber().intValue()).isEqualTo(10);
            assertThat(it.hasNext()).isFalse();
        }
    }

    @Test
    void ade20kMissingOrMismatchedLabelIsUnreadable() throws Exception {
        Path ade = writeAde();
        Fixtures.labelPng(ade.resolve("annotations/training/ADE_train_00000001.png"), new int[3][3]);
        ImageDataset ds = DatasetRegistry.open("ade20k", ade);
        SampleLoader loader = new SampleLoader(ds, "train", LoaderOptions.evaluation(4));
        assertThatThrownBy(() -> loader.load(ds.samples("train").get(0), new SplittableRandom(0)))
                .hasMessageContaining("label map is 3x3 but the image is 8x4");
        Files.delete(ade.resolve("annotations/validation/ADE_val_00000001.png"));
        assertThat(DatasetChecker.check(ds, false, 1, 0).unreadable()).hasSize(1).containsValue("missing file");
    }

    private static byte[] idx(int magic, int[] dims, byte[] data) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    private void writeFashion(Path dir) throws Exception {
        byte[] train = new byte[4 * 28 * 28];
        for (int i = 0; i < 4; i++) {
            java.util.Arrays.fill(train, i * 784, (i + 1) * 784, (byte) (50 * (i + 1)));
        }
        Fixtures.gzip(dir.resolve("train-images-idx3-ubyte.gz"), idx(0x803, new int[] {4, 28, 28}, train));
        Fixtures.gzip(dir.resolve("train-labels-idx1-ubyte.gz"), idx(0x801, new int[] {4}, new byte[] {0, 9, 3, 3}));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), idx(0x803, new int[] {2, 28, 28}, new byte[2 * 784]));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(0x801, new int[] {2}, new byte[] {7, 1}));
    }

    @Test
    void fashionMnistReadsGzippedAndPlainIdxAndScalesTo32() throws Exception {
        writeFashion(root.resolve("FashionMNIST/raw"));
        ImageDataset ds = DatasetRegistry.open("fashion-mnist", root);
        assertThat(ds.classNames()).hasSize(10).contains("Ankle boot");
        assertThat(ds.samples("train")).extracting(Sample::label).containsExactly(0, 9, 3, 3);
        assertThat(ds.samples("test")).extracting(Sample::label).containsExactly(7, 1);

        LoaderOptions rgb = LoaderOptions.evaluation(32).withBatchSize(4).withThreads(2);
        try (ImageBatchIterator it = new ImageBatchIterator(ds, "train", rgb)) {
            DataSet b = it.next();
            assertThat(b.getFeatures().shape()).containsExactly(4, 3, 32, 32);
            assertThat(b.getFeatures().slice(1).minNumber().floatValue()).isCloseTo(100 / 127.5f - 1, within(1e-6f));
            assertThat(b.getFeatures().slice(1).maxNumber().floatValue()).isCloseTo(100 / 127.5f - 1, within(1e-6f));
            assertThat(b.getLabels().getFloat(1, 9)).isEqualTo(1f);
        }
        try (ImageBatchIterator it = new ImageBatchIterator(ds, "test", rgb.withChannels(1))) {
            assertThat(it.next().getFeatures().shape()).containsExactly(2, 1, 32, 32);
        }
    }

    @Test
    void fashionMnistMissingOrTruncatedFilesAreClearErrors() throws Exception {
        assertThatThrownBy(() -> DatasetRegistry.open("fashion-mnist", root)).isInstanceOf(DatasetLayoutException.class)
                .hasMessageContaining("train-images-idx3-ubyte");
        writeFashion(root);
        byte[] all = Files.readAllBytes(root.resolve("t10k-images-idx3-ubyte"));
        Files.write(root.resolve("t10k-images-idx3-ubyte"), java.util.Arrays.copyOf(all, 100));
        ImageDataset ds = DatasetRegistry.open("fashion-mnist", root);
        assertThatThrownBy(() -> ds.samples("test")).isInstanceOf(DatasetLayoutException.class).hasMessageContaining("truncated");
    }
}
