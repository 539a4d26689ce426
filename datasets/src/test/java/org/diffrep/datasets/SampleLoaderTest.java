package org.diffrep.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleLoaderTest {
    @TempDir
    Path dir;

    private static LoadedSample load(Path file, LoaderOptions o, long seed) throws UnreadableImageException {
        ListDataset ds = ListDataset.ofFiles(file);
        return new SampleLoader(ds, "train", o).load(ds.samples("train").get(0), new SplittableRandom(seed));
    }

    private static float at(LoadedSample s, int size, int c, int y, int x) {
        return s.pixels()[(c * size + y) * size + x];
    }

    @Test
    void pureRedPngIsChannelZeroOfAnRgbTensorInMinusOneToOne() throws Exception {
        Path red = Fixtures.png(dir.resolve("red.png"), Fixtures.solid(24, 20, Color.RED, BufferedImage.TYPE_INT_RGB));
        LoadedSample s = load(red, LoaderOptions.evaluation(16), 0);
        assertThat(s.pixels()).hasSize(3 * 16 * 16);
        for (int i = 0; i < 16 * 16; i++) {
            assertThat(s.pixels()[i]).isEqualTo(1f);
            assertThat(s.pixels()[256 + i]).isEqualTo(-1f);
            assertThat(s.pixels()[512 + i]).isEqualTo(-1f);
        }
    }

    @Test
    void pureRedJpegIsRedAfterOpenCvsBgrDecode() throws Exception {
        Path red = Fixtures.jpeg(dir.resolve("red.jpg"), 40, 30, Color.RED);
        LoadedSample s = load(red, LoaderOptions.evaluation(16), 0);
        assertThat(at(s, 16, 0, 8, 8)).isCloseTo(1f, within(0.03f));
        assertThat(at(s, 16, 1, 8, 8)).isCloseTo(-1f, within(0.03f));
        assertThat(at(s, 16, 2, 8, 8)).isCloseTo(-1f, within(0.03f));
    }

    @Test
    void grayscaleBecomesThreeEqualChannelsOrStaysOneChannel() throws Exception {
        Path gray = Fixtures.png(dir.resolve("gray.png"), Fixtures.solid(20, 20, new Color(51, 51, 51), BufferedImage.TYPE_BYTE_GRAY));
        LoadedSample rgb = load(gray, LoaderOptions.evaluation(8), 0);
        assertThat(rgb.pixels()).hasSize(3 * 64);
        float v = 51 / 127.5f - 1;
        assertThat(rgb.pixels()).containsOnly(v);
        LoadedSample one = load(gray, LoaderOptions.evaluation(8).withChannels(1), 0);
        assertThat(one.pixels()).hasSize(64).containsOnly(v);
    }

    @Test
    void alphaIsDroppedLeavingRgb() throws Exception {
        Path rgba = Fixtures.png(dir.resolve("rgba.png"), Fixtures.solid(10, 10, new Color(0, 0, 255, 128), BufferedImage.TYPE_INT_ARGB));
        LoadedSample s = load(rgba, LoaderOptions.evaluation(8), 0);
        assertThat(at(s, 8, 2, 4, 4)).isEqualTo(1f);
        assertThat(at(s, 8, 0, 4, 4)).isEqualTo(-1f);
    }

    @Test
    void shortSideIsResizedThenCentreCroppedAndFlipMirrors() throws Exception {
        // 60x20, left half red, right half blue -> resized to 30x10 -> centre crop columns 10..19
        Path img = Fixtures.png(dir.resolve("halves.png"), Fixtures.halves(60, 20, Color.RED, Color.BLUE));
        LoadedSample eval = load(img, LoaderOptions.evaluation(10), 0);
        for (int x = 0; x < 4; x++) {
            assertThat(at(eval, 10, 0, 5, x)).as("red at x=%d", x).isCloseTo(1f, within(0.02f));
            assertThat(at(eval, 10, 2, 5, 9 - x)).as("blue at x=%d", 9 - x).isCloseTo(1f, within(0.02f));
        }
        boolean sawFlip = false;
        boolean sawPlain = false;
        for (long seed = 0; seed < 20; seed++) {
            LoadedSample t = load(img, LoaderOptions.training(10, 0), seed);
            assertThat(load(img, LoaderOptions.training(10, 0), seed).pixels()).isEqualTo(t.pixels());
            if (at(t, 10, 0, 5, 0) > 0.9f) {
                sawPlain = true;
            } else {
                sawFlip = true;
                assertThat(at(t, 10, 2, 5, 0)).isCloseTo(1f, within(0.02f));
            }
        }
        assertThat(sawFlip).isTrue();
        assertThat(sawPlain).isTrue();
    }

    @Test
    void randomScaleCropStaysInsideTheImage() throws Exception {
        Path img = Fixtures.png(dir.resolve("big.png"), Fixtures.halves(90, 70, Color.GREEN, Color.GREEN));
        for (long seed = 0; seed < 10; seed++) {
            LoadedSample t = load(img, LoaderOptions.training(32, 0).withRandomScaleCrop(true), seed);
            assertThat(t.pixels()).hasSize(3 * 32 * 32);
            assertThat(at(t, 32, 1, 31, 31)).isCloseTo(1f, within(0.02f));
        }
    }

    @Test
    void dctDownscaledJpegDecodeMatchesFullDecode() throws Exception {
        Path big = Files.write(dir.resolve("photo.jpg"), SyntheticImages.jpeg(400, 300, new SplittableRandom(5)));
        LoaderOptions o = LoaderOptions.evaluation(32).withInterpolation(Interpolation.AREA);
        float[] fast = load(big, o, 0).pixels();
        float[] exact = load(big, o.withFastJpegDownscale(false), 0).pixels();
        double diff = 0;
        for (int i = 0; i < fast.length; i++) {
            diff += Math.abs(fast[i] - exact[i]);
        }
        // 400x300 is not a multiple of 8: the partial last DCT block must not shift the geometry.
        // 0.01 is 1.3 grey levels per pixel on average; bicubic and area interpolation differ by 0.004.
        assertThat(diff / fast.length).isLessThan(0.01);
    }

    @Test
    void damagedFilesAreReportedWithTheirReason() throws Exception {
        Path truncated = Fixtures.truncate(Files.write(dir.resolve("cut.jpg"),
                SyntheticImages.jpeg(120, 90, new SplittableRandom(1))));
        Path noise = Files.write(dir.resolve("noise.jpg"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
        Path headerOnly = Files.write(dir.resolve("header.jpg"), java.util.Arrays.copyOf(Fixtures.jpegBytes(30, 30, Color.RED), 200));
        LoaderOptions o = LoaderOptions.evaluation(16);
        assertThatThrownBy(() -> load(truncated, o, 0)).isInstanceOf(UnreadableImageException.class)
                .hasMessageContaining("truncated JPEG");
        assertThatThrownBy(() -> load(noise, o, 0)).hasMessageContaining("not an image");
        assertThatThrownBy(() -> load(empty, o, 0)).hasMessageContaining("empty file");
        assertThatThrownBy(() -> load(headerOnly, o, 0)).hasMessageContaining("truncated JPEG");
        assertThatThrownBy(() -> load(dir.resolve("absent.jpg"), o, 0)).hasMessageContaining("missing file");
        assertThat(ImageFiles.quickProblem(truncated)).contains("truncated JPEG");
        assertThat(ImageFiles.quickProblem(Fixtures.png(dir.resolve("ok.png"),
                Fixtures.solid(5, 5, Color.RED, BufferedImage.TYPE_INT_RGB)))).isNull();
    }
}
