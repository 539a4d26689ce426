package org.diffrep.datasets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Image and label map go through the same random resize / crop / flip; labels stay nearest-neighbour. */
class SegmentationTransformTest {

    /** Palette colour of label k (1..4); label 0 is black. */
    static final int[][] COLOURS = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}};

    @TempDir
    Path dir;

    /** A w x h image of 12 x 9 px tiles, each of one colour, whose annotation is the colour's label (some tiles 0). */
    private Sample tiles(int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        BufferedImage lab = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int k = (x / 12 * 3 + y / 9 * 2) % 5;
                int[] c = COLOURS[k];
                img.setRGB(x, y, c[0] << 16 | c[1] << 8 | c[2]);
                lab.getRaster().setSample(x, y, 0, k);
            }
        }
        Path image = dir.resolve("img_" + w + "x" + h + ".png");
        Path labels = dir.resolve("lab_" + w + "x" + h + ".png");
        ImageIO.write(img, "png", image.toFile());
        ImageIO.write(lab, "png", labels.toFile());
        return Sample.withLabelMap("tiles", image, labels);
    }

    /** Label whose colour is nearest to the pixel at i of a [3, S, S] array in [-1, 1]. */
    private static int nearestLabel(float[] px, int i, int plane) {
        int best = -1;
        double bestD = Double.MAX_VALUE;
        for (int k = 0; k < COLOURS.length; k++) {
            double d = 0;
            for (int ch = 0; ch < 3; ch++) {
                double v = (px[ch * plane + i] + 1) * 127.5;
                d += (v - COLOURS[k][ch]) * (v - COLOURS[k][ch]);
            }
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best;
    }

    @Test
    void everyRandomDrawKeepsImageAndLabelsAligned() throws Exception {
        Sample sample = tiles(90, 70);
        SegmentationTransform loader = new SegmentationTransform(32, SegmentationOptions.ade20k());
        int plane = 32 * 32;
        for (int seed = 0; seed < 20; seed++) {
            LoadedSample p = loader.train(sample, new SplittableRandom(seed));
            int checked = 0;
            int agree = 0;
            for (int y = 1; y < 31; y++) {
                for (int x = 1; x < 31; x++) {
                    int i = y * 32 + x;
                    int label = p.labelMap()[i];
                    // only pixels inside a uniform 3x3 label patch: there bilinear image resampling cannot blend tiles
                    if (label != p.labelMap()[i - 1] || label != p.labelMap()[i + 1] || label != p.labelMap()[i - 32] || label != p.labelMap()[i + 32]) continue;
                    int expected = label == SampleLoader.IGNORE ? 0 : label + 1;
                    checked++;
                    if (nearestLabel(p.pixels(), i, plane) == expected) agree++;
                }
            }
            assertThat(checked).isGreaterThan(100);
            assertThat((double) agree / checked).as("seed " + seed).isGreaterThan(0.97);
            // nearest-neighbour labels: only values of the annotation (reduced), never a blend
            for (int v : p.labelMap()) assertThat(v).isIn(0, 1, 2, 3, SampleLoader.IGNORE);
        }
    }

    @Test
    void flipsMirrorImageAndLabelsTogether() throws Exception {
        Sample sample = tiles(32, 32);
        // ratio 1 on a 32 px image: no resize, no crop freedom; a draw is the source or its mirror
        SegmentationTransform loader = new SegmentationTransform(32, new SegmentationOptions(1.0, 1.0, false, false));
        Set<Boolean> mirrored = new HashSet<>();
        int[] original = new int[32 * 32];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int k = (x / 12 * 3 + y / 9 * 2) % 5;
                original[y * 32 + x] = k == 0 ? SampleLoader.IGNORE : k - 1;
            }
        }
        for (int seed = 0; seed < 20; seed++) {
            LoadedSample p = loader.train(sample, new SplittableRandom(seed));
            boolean flipped = p.labelMap()[0] != original[0];
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int src = y * 32 + (flipped ? 31 - x : x);
                    assertThat(p.labelMap()[y * 32 + x]).isEqualTo(original[src]);
                    int k = original[src] == SampleLoader.IGNORE ? 0 : original[src] + 1;
                    assertThat(nearestLabel(p.pixels(), y * 32 + x, 32 * 32)).isEqualTo(k);
                }
            }
            mirrored.add(flipped);
        }
        assertThat(mirrored).containsExactlyInAnyOrder(true, false);
    }

    @Test
    void smallScalesArePaddedWithBlackPixelsAndIgnoredLabels() throws Exception {
        Sample sample = tiles(40, 30);
        // ratio 0.5 of S = 64: short side 32, the crop window reaches past the image
        SegmentationTransform loader = new SegmentationTransform(64, new SegmentationOptions(0.5, 0.5, false, false));
        LoadedSample p = loader.train(sample, new SplittableRandom(3));
        int plane = 64 * 64;
        int padded = 0;
        for (int i = 0; i < plane; i++) {
            if (p.labelMap()[i] == SampleLoader.IGNORE && p.pixels()[i] == -1f && p.pixels()[plane + i] == -1f) padded++;
        }
        assertThat(padded).isGreaterThan(plane / 3);
    }

    @Test
    void evaluationResizesTheWholeImageAndKeepsTheAnnotationAsItIs() throws Exception {
        Sample sample = tiles(90, 70);
        LoadedSample e = new SegmentationTransform(32, SegmentationOptions.ade20k()).evaluation(sample);
        assertThat(e.labelWidth()).isEqualTo(90);
        assertThat(e.labelHeight()).isEqualTo(70);
        assertThat(e.labelMap()).hasSize(90 * 70);
        // (x, y) = (13, 0): tile (1, 0) -> colour 3 -> reduced label 2; (0, 0): colour 0 -> ignored
        assertThat(e.labelMap()[13]).isEqualTo(2);
        assertThat(e.labelMap()[0]).isEqualTo(SampleLoader.IGNORE);
        assertThat(e.pixels()).hasSize(3 * 32 * 32);
        assertThat(e.width()).isEqualTo(32);
        assertThat(e.height()).isEqualTo(32);
    }
}
