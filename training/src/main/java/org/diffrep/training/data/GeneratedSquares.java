package org.diffrep.training.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * A generated, linearly separable image set: class c is a bright square in quadrant c mod 4, with
 * its colour channel set by c / 4, on a noisy background; 1 channel (grayscale models) holds up to
 * 4 classes, 3 channels up to 12. Used to check that heads learn and to
 * exercise the pipeline without a dataset on disk.
 */
public final class GeneratedSquares implements ImageSource {

    private final int size;
    private final int count;
    private final int classes;
    private final long seed;
    private final int channels;

    /** RGB images. */
    public GeneratedSquares(int imageSize, int count, int classes, long seed) {
        this(imageSize, count, classes, seed, 3);
    }

    public GeneratedSquares(int imageSize, int count, int classes, long seed, int channels) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("1 or 3 channels, got " + channels);
        if (classes < 2 || classes > 4 * channels) throw new IllegalArgumentException("2.." + 4 * channels + " classes, got " + classes);
        this.channels = channels;
        this.size = imageSize;
        this.count = count;
        this.classes = classes;
        this.seed = seed;
    }

    @Override
    public String describe() {
        // RGB keeps its original description, which names existing cache entries
        return "synthetic(size=" + size + ",count=" + count + ",classes=" + classes + ",seed=" + seed + (channels == 3 ? "" : ",channels=" + channels) + ")";
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int numClasses() {
        return classes;
    }

    @Override
    public int label(int index) {
        return index % classes;
    }

    @Override
    public int imageSize() {
        return size;
    }

    @Override
    public INDArray images(int[] indices, long variant) {
        int plane = size * size;
        float[] data = new float[indices.length * channels * plane];
        int half = size / 2;
        for (int n = 0; n < indices.length; n++) {
            int idx = indices[n];
            SplittableRandom r = new SplittableRandom(seed * 31 + idx);
            int c = label(idx);
            int qy = (c % 4) / 2 * half;
            int qx = (c % 4) % 2 * half;
            int channel = c / 4;
            for (int ch = 0; ch < channels; ch++) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        boolean inSquare = y >= qy + half / 4 && y < qy + 3 * half / 4 && x >= qx + half / 4 && x < qx + 3 * half / 4;
                        float v = (float) (r.nextGaussian() * 0.2 - 0.5);
                        if (inSquare && ch == channel) v = 0.9f;
                        data[((n * channels + ch) * size + y) * size + x] = v;
                    }
                }
            }
        }
        return Nd4j.createFromArray(data).reshape(indices.length, channels, size, size);
    }
}
