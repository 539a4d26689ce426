package org.diffrep.datasets;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Photo-like JPEGs for throughput measurements: smooth colour fields plus sensor-like noise, so
 * that file sizes and decode cost resemble ImageNet photos (about 100 kB at 500x375, quality 90)
 * rather than flat images that decode unrealistically fast.
 */
final class SyntheticImages {
    private SyntheticImages() {}

    /** Writes {@code count} images as an ImageNet-style root: train/n0000000k/ and one val/ image per class. */
    static Path writeImageNetLike(Path root, int count, int classes, int width, int height, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            String wnid = String.format("n%08d", i % classes);
            Path dir = Files.createDirectories(root.resolve("train").resolve(wnid));
            Files.write(dir.resolve(wnid + "_" + i + ".JPEG"), jpeg(width, height, rng));
        }
        for (int c = 0; c < classes; c++) {
            String wnid = String.format("n%08d", c);
            Path dir = Files.createDirectories(root.resolve("val").resolve(wnid));
            Files.write(dir.resolve("val_" + c + ".JPEG"), jpeg(width, height, rng));
        }
        return root;
    }

    static byte[] jpeg(int width, int height, SplittableRandom rng) {
        byte[] bgr = new byte[width * height * 3];
        double[][] f = new double[3][4];
        for (double[] c : f) {
            for (int k = 0; k < c.length; k++) {
                c[k] = rng.nextDouble(0.005, 0.05);
            }
        }
        double[] phase = {rng.nextDouble(7), rng.nextDouble(7), rng.nextDouble(7)};
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    double v = 128 + 60 * Math.sin(f[ch][0] * x + f[ch][1] * y + phase[ch])
                            + 40 * Math.cos(f[ch][2] * x * f[ch][3] * y * 0.05)
                            + rng.nextDouble(-36, 36);
                    bgr[(y * width + x) * 3 + ch] = (byte) Math.max(0, Math.min(255, (int) v));
                }
            }
        }
        try (PointerScope scope = new PointerScope()) {
            Mat mat = new Mat(height, width, CV_8UC3, new BytePointer(bgr));
            BytePointer out = new BytePointer();
            imencode(".jpg", mat, out, new IntPointer(IMWRITE_JPEG_QUALITY, 90));
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }
}
