package org.diffrep.datasets;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.types.Array;
import us.hebi.matlab.mat.types.Cell;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.MatlabType;
import us.hebi.matlab.mat.types.Matrix;

/** Writers for the miniature dataset copies the tests build in temporary folders. */
final class Fixtures {
    private Fixtures() {}

    static final Color[] PALETTE = {Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW, Color.CYAN, Color.MAGENTA};

    static byte[] jpegBytes(int w, int h, Color c) {
        return encode(solid(w, h, c, BufferedImage.TYPE_INT_RGB), "jpg");
    }

    static Path jpeg(Path file, int w, int h, Color c) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, jpegBytes(w, h, c));
    }

    static Path png(Path file, BufferedImage img) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, encode(img, "png"));
    }

    static BufferedImage solid(int w, int h, Color c, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        var g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    /** Left half one colour, right half another: makes flips and crops visible. */
    static BufferedImage halves(int w, int h, Color left, Color right) {
        BufferedImage img = solid(w, h, left, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(right);
        g.fillRect(w / 2, 0, w - w / 2, h);
        g.dispose();
        return img;
    }

    /** Single-channel 8-bit PNG whose pixel (x, y) is {@code values[y][x]}, like an ADE20K annotation. */
    static Path labelPng(Path file, int[][] values) throws IOException {
        BufferedImage img = new BufferedImage(values[0].length, values.length, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < values.length; y++) {
            for (int x = 0; x < values[0].length; x++) {
                img.getRaster().setSample(x, y, 0, values[y][x]);
            }
        }
        return png(file, img);
    }

    static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keeps the first third of a file, as an interrupted download would. */
    static Path truncate(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        return Files.write(file, Arrays.copyOf(all, all.length / 3));
    }

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    static Path gzip(Path file, byte[] data) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(data);
        }
        return file;
    }

    /**
     * A CUB-200-2011 root with {@code classes x perClass} images (class c has colour PALETTE[c]);
     * the first {@code trainPerClass} of each class are train images. Returns the image paths in
     * images.txt order.
     */
    static java.util.List<Path> cub(Path root, int classes, int perClass, int trainPerClass) throws IOException {
        StringBuilder images = new StringBuilder();
        StringBuilder labels = new StringBuilder();
        StringBuilder split = new StringBuilder();
        StringBuilder names = new StringBuilder();
        java.util.List<Path> paths = new java.util.ArrayList<>();
        int id = 1;
        for (int c = 0; c < classes; c++) {
            String folder = String.format("%03d.Class_%d", c + 1, c + 1);
            names.append(c + 1).append(' ').append(folder).append('\n');
            for (int i = 0; i < perClass; i++, id++) {
                String rel = folder + "/img_" + id + ".jpg";
                paths.add(jpeg(root.resolve("images").resolve(rel), 24, 18, PALETTE[c % PALETTE.length]));
                images.append(id).append(' ').append(rel).append('\n');
                labels.append(id).append(' ').append(c + 1).append('\n');
                split.append(id).append(' ').append(i < trainPerClass ? 1 : 0).append('\n');
            }
        }
        write(root.resolve("images.txt"), images.toString());
        write(root.resolve("image_class_labels.txt"), labels.toString());
        write(root.resolve("train_test_split.txt"), split.toString());
        write(root.resolve("classes.txt"), names.toString());
        return paths;
    }

    // ---- MATLAB files, written with MFL in the official structures ----

    static Path mat(Path file, MatFile mat) throws IOException {
        Files.createDirectories(file.getParent());
        Mat5.writeToFile(mat, file.toFile());
        return file;
    }

    /** A 1 x n (row) or n x 1 numeric array of the given MATLAB class. */
    static Matrix numbers(MatlabType type, boolean column, int... values) {
        Matrix m = column ? Mat5.newMatrix(values.length, 1, type) : Mat5.newMatrix(1, values.length, type);
        for (int i = 0; i < values.length; i++) {
            m.setDouble(i, values[i]);
        }
        return m;
    }

    static Cell strings(boolean column, String... values) {
        Cell c = column ? Mat5.newCell(values.length, 1) : Mat5.newCell(1, values.length);
        for (int i = 0; i < values.length; i++) {
            c.set(i, Mat5.newString(values[i]));
        }
        return c;
    }

    static Array scalar(MatlabType type, int value) {
        Matrix m = Mat5.newMatrix(1, 1, type);
        m.setDouble(0, value);
        return m;
    }
}
