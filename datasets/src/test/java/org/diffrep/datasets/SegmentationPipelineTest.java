package org.diffrep.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/**
 * ADE20K through the one pipeline ({@link ImageSplit}) with mmseg's transforms: the same pairs as the
 * transform computes for the caller's seeds, evaluation samples at their annotation's resolution,
 * unreadable images and annotations skipped and listed, the photometric distortion on images only.
 */
class SegmentationPipelineTest {
    @TempDir
    Path root;

    /** ADEChallengeData2016 with {@code n} w x h training and validation pairs: colour stripes, labels by stripe. */
    private Path writeAde(int n, int w, int h) throws Exception {
        Path ade = root.resolve("ADEChallengeData2016");
        for (String[] split : new String[][] {{"training", "train"}, {"validation", "val"}}) {
            for (int i = 1; i <= n; i++) {
                int[][] labels = new int[h][w];
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int k = (x / 7 + y / 5 + i) % Fixtures.PALETTE.length;
                        img.setRGB(x, y, Fixtures.PALETTE[k].getRGB() & 0xFFFFFF);
                        labels[y][x] = k;
                    }
                }
                String stem = "ADE_" + split[1] + "_" + String.format("%08d", i);
                Fixtures.png(ade.resolve("images").resolve(split[0]).resolve(stem + ".jpg"), img);
                Fixtures.labelPng(ade.resolve("annotations").resolve(split[0]).resolve(stem + ".png"), labels);
            }
        }
        return ade;
    }

    private static LoaderOptions options(int size, SegmentationOptions seg, boolean train) {
        return LoaderOptions.evaluation(size).withSegmentation(seg).withTrain(train).withThreads(2).withBatchSize(2);
    }

    @Test
    void trainingBatchesAreTheTransformsPairsForTheCallersSeeds() throws Exception {
        ImageDataset ds = DatasetRegistry.open("ade20k", writeAde(4, 50, 40));
        SegmentationOptions seg = SegmentationOptions.ade20k();
        SegmentationTransform transform = new SegmentationTransform(24, seg);
        int[] positions = {2, 0, 3, 2};
        try (ImageSplit split = new ImageSplit(ds, "train", options(24, seg, true))) {
            LoadReport report = split.newReport(4);
            try (ImageBatchIterator it = split.iterator(positions, p -> 1000L + p, 4, report)) {
                DataSet d = it.next();
                assertThat(ImageBatchIterator.positions(d)).containsExactly(positions);
                float[] x = d.getFeatures().dup('c').data().asFloat();
                float[] y = d.getLabels().dup('c').data().asFloat();
                for (int i = 0; i < positions.length; i++) {
                    LoadedSample direct = transform.train(ds.samples("train").get(positions[i]), new SplittableRandom(1000L + positions[i]));
                    int plane = 24 * 24;
                    assertThat(Arrays.copyOfRange(x, i * 3 * plane, (i + 1) * 3 * plane)).containsExactly(direct.pixels());
                    for (int j = 0; j < plane; j++) assertThat((int) y[i * plane + j]).isEqualTo(direct.labelMap()[j]);
                }
            }
            assertThat(report.problems()).isEmpty();
        }
    }

    @Test
    void evaluationSamplesKeepTheAnnotationsResolutionAndCanKeepTheAspectRatio() throws Exception {
        ImageDataset ds = DatasetRegistry.open("ade20k", writeAde(2, 50, 40));
        try (ImageSplit split = new ImageSplit(ds, "val", options(16, new SegmentationOptions(0.5, 2.0, false, true), false));
             DecodedSamples it = split.decoded(new int[] {1, 0}, p -> 0L, split.newReport(2))) {
            DecodedSamples.Decoded first = it.next();
            assertThat(first.position()).isEqualTo(1);
            LoadedSample s = first.sample();
            assertThat(s.height()).isEqualTo(16);
            assertThat(s.width()).isEqualTo(20);
            assertThat(s.pixels()).hasSize(3 * 16 * 20);
            assertThat(s.labelWidth()).isEqualTo(50);
            assertThat(s.labelHeight()).isEqualTo(40);
            // (x, y) = (7, 0) of image 2 is stripe (1 + 0 + 2) % 6 = 3: file value 3, class 2; stripe 0 is "other"
            assertThat(s.labelMap()[7]).isEqualTo(2);
            assertThat(it.next().position()).isZero();
            assertThat(it.hasNext()).isFalse();
        }
        try (ImageSplit split = new ImageSplit(ds, "val", options(16, SegmentationOptions.ade20k(), false));
             ImageBatchIterator batches = split.iterator(new int[] {0, 1}, 0, 2, split.newReport(2))) {
            assertThatThrownBy(batches::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("one by one");
        }
    }

    @Test
    void aCorruptJpegAndAMissingAnnotationAreSkippedListedAndCountedAgainstTheTolerance() throws Exception {
        Path ade = writeAde(6, 30, 20);
        Path corrupt = ade.resolve("images/validation/ADE_val_00000002.jpg");
        Files.write(corrupt, Fixtures.jpegBytes(30, 20, Color.RED));
        Fixtures.truncate(corrupt);
        Path missing = ade.resolve("annotations/validation/ADE_val_00000005.png");
        Files.delete(missing);
        ImageDataset ds = DatasetRegistry.open("ade20k", ade);
        int[] all = {0, 1, 2, 3, 4, 5};
        try (ImageSplit split = new ImageSplit(ds, "val", options(16, SegmentationOptions.ade20k(), false).withMaxBadFraction(0.5))) {
            LoadReport report = split.newReport(6);
            List<Integer> got = new ArrayList<>();
            try (DecodedSamples it = split.decoded(all, p -> 0L, report)) {
                it.forEachRemaining(d -> got.add(d.position()));
            }
            assertThat(got).containsExactly(0, 2, 3, 5);
            assertThat(report.problems()).extracting(LoadReport.Problem::path).containsExactly(corrupt.toString(), missing.toString());
            assertThat(report.problems().get(0).reason()).contains("truncated JPEG");
            assertThat(report.problems().get(1).reason()).isEqualTo("missing file");
        }
        try (ImageSplit split = new ImageSplit(ds, "val", options(16, SegmentationOptions.ade20k(), false).withMaxBadFraction(0.2))) {
            LoadReport report = split.newReport(6);
            assertThatThrownBy(() -> {
                try (DecodedSamples it = split.decoded(all, p -> 0L, report)) {
                    it.forEachRemaining(d -> { });
                }
            }).isInstanceOf(TooManyUnreadableImagesException.class).hasMessageContaining("2 of 6 files unreadable")
                    .hasMessageContaining(corrupt.toString());
        }
    }

    @Test
    void photometricDistortionChangesImagesOnlyAndRepeatsForASeed() throws Exception {
        ImageDataset ds = DatasetRegistry.open("ade20k", writeAde(1, 50, 40));
        Sample sample = ds.samples("train").get(0);
        SegmentationTransform plain = new SegmentationTransform(32, SegmentationOptions.ade20k());
        SegmentationTransform distorted = new SegmentationTransform(32, new SegmentationOptions(0.5, 2.0, true, false));
        int changed = 0;
        for (int seed = 0; seed < 16; seed++) {
            LoadedSample a = plain.train(sample, new SplittableRandom(seed));
            LoadedSample b = distorted.train(sample, new SplittableRandom(seed));
            LoadedSample again = distorted.train(sample, new SplittableRandom(seed));
            // geometry is drawn first: the labels (and padded pixels) are those of the undistorted pair
            assertThat(b.labelMap()).containsExactly(a.labelMap());
            assertThat(again.pixels()).containsExactly(b.pixels());
            for (int i = 0; i < 32 * 32; i++) {
                if (a.labelMap()[i] == SampleLoader.IGNORE && a.pixels()[i] == -1f && a.pixels()[1024 + i] == -1f && a.pixels()[2048 + i] == -1f) {
                    continue;
                }
                for (int c = 0; c < 3; c++) assertThat(b.pixels()[c * 1024 + i]).isBetween(-1f, 1f);
            }
            if (!Arrays.equals(a.pixels(), b.pixels())) changed++;
        }
        // each of the four distortions is applied with p = 0.5: all four skipped in 1 draw of 16, on average
        assertThat(changed).isGreaterThanOrEqualTo(10);
    }

    @Test
    void photometricDistortionOfAGreyImageOnlyMovesBrightnessAndContrast() {
        byte[] grey = new byte[4 * 3 * 3];
        Arrays.fill(grey, (byte) 100);
        int moved = 0;
        for (int seed = 0; seed < 32; seed++) {
            byte[] img = grey.clone();
            PhotometricDistortion.apply(img, 4, 3, new SplittableRandom(seed));
            // saturation and hue leave a grey pixel grey: every byte equal, and equal to the first
            for (byte b : img) assertThat(b).isEqualTo(img[0]);
            int v = img[0] & 0xFF;
            // brightness +-32 and contrast x0.5..1.5, in either order, keep 100 within [34, 198]
            assertThat(v).isBetween(34, 198);
            if (v != 100) moved++;
        }
        assertThat(moved).isGreaterThan(16);
    }
}
