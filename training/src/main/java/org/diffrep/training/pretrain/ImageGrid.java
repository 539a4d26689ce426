package org.diffrep.training.pretrain;

import org.diffrep.common.util.AtomicFiles;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;

/** Writes a batch of grayscale images in [-1, 1] as one PNG grid, each pixel scaled up to a square. */
public final class ImageGrid {

    private ImageGrid() {}

    public static void write(INDArray images, int columns, int scale, Path png) throws IOException {
        int n = (int) images.size(0);
        int s = (int) images.size(2);
        int rows = (n + columns - 1) / columns;
        int gap = 2;
        int cell = s * scale + gap;
        BufferedImage img = new BufferedImage(columns * cell + gap, rows * cell + gap, BufferedImage.TYPE_BYTE_GRAY);
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(java.awt.Color.GRAY);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.dispose();
        float[] v = images.dup('c').data().asFloat();
        for (int k = 0; k < n; k++) {
            int ox = gap + (k % columns) * cell;
            int oy = gap + (k / columns) * cell;
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    // channel 0 only: the models here are grayscale
                    float p = v[k * (int) (images.length() / n) + y * s + x];
                    int gray = Math.max(0, Math.min(255, Math.round((p + 1) * 127.5f)));
                    int rgb = (gray << 16) | (gray << 8) | gray;
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) img.setRGB(ox + x * scale + dx, oy + y * scale + dy, rgb);
                    }
                }
            }
        }
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        ImageIO.write(img, "png", encoded);
        AtomicFiles.write(png, encoded.toByteArray());
    }
}
