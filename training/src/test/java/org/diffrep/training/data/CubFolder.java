package org.diffrep.training.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** A small dataset on disk in CUB-200-2011's layout, for tests that read real JPEG files. */
public final class CubFolder {
    private CubFolder() {}

    /** The colour of pixel (x, y) of an image of class c. */
    @FunctionalInterface
    private interface Pixels {
        int rgb(int c, int x, int y);
    }

    /**
     * Writes {@code classes x perClass} noisy 40x30 JPEGs, each class around its own colour; the
     * first {@code trainPerClass} of each class are training images. Returns the paths in images.txt order.
     */
    public static List<Path> write(Path root, int classes, int perClass, int trainPerClass) throws IOException {
        SplittableRandom rng = new SplittableRandom(classes * 1000L + perClass);
        return write(root, classes, perClass, trainPerClass, (c, x, y) -> (0x203040 + c * 0x3A2B17 + rng.nextInt(0x30) * 0x010101 + x * 0x000300) & 0xFFFFFF);
    }

    /** As {@link #write(Path, int, int, int)}, every image one solid colour: red, green, blue, red, ... by class. */
    public static List<Path> writeSolid(Path root, int classes, int perClass, int trainPerClass) throws IOException {
        int[] rgb = {0xFF0000, 0x00FF00, 0x0000FF};
        return write(root, classes, perClass, trainPerClass, (c, x, y) -> rgb[c % rgb.length]);
    }

    private static List<Path> write(Path root, int classes, int perClass, int trainPerClass, Pixels pixels) throws IOException {
        StringBuilder images = new StringBuilder();
        StringBuilder labels = new StringBuilder();
        StringBuilder split = new StringBuilder();
        StringBuilder names = new StringBuilder();
        List<Path> paths = new ArrayList<>();
        int id = 1;
        for (int c = 0; c < classes; c++) {
            String folder = String.format("%03d.Class_%d", c + 1, c + 1);
            names.append(c + 1).append(' ').append(folder).append('\n');
            for (int i = 0; i < perClass; i++, id++) {
                String rel = folder + "/img_" + id + ".jpg";
                Path file = root.resolve("images").resolve(rel);
                Files.createDirectories(file.getParent());
                BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 30; y++) {
                    for (int x = 0; x < 40; x++) img.setRGB(x, y, pixels.rgb(c, x, y));
                }
                ImageIO.write(img, "jpg", file.toFile());
                paths.add(file);
                images.append(id).append(' ').append(rel).append('\n');
                labels.append(id).append(' ').append(c + 1).append('\n');
                split.append(id).append(' ').append(i < trainPerClass ? 1 : 0).append('\n');
            }
        }
        Files.writeString(root.resolve("images.txt"), images);
        Files.writeString(root.resolve("image_class_labels.txt"), labels);
        Files.writeString(root.resolve("train_test_split.txt"), split);
        Files.writeString(root.resolve("classes.txt"), names);
        return paths;
    }

    /** Cuts a file to its first third, as an interrupted copy leaves it. */
    public static void truncate(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length / 3));
    }
}
