package org.diffrep.training.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * A generated, linearly separable image set: class c is a bright square in quadrant c mod 4, with
 * its colour channel set by c / 4, on a noisy background. Used to check that heads learn and to
 * exercise the pipeline without a dataset on disk.
 */
public final class SyntheticImages implements ImageSource {

    private final int size;
    private final int count;
    private final int classes;
    private final long seed;

    public SyntheticImages(int imageSize, int count, int classes, long seed) {
        if (classes < 2 || classes > 12) throw new IllegalArgumentException("2..12 classes, got " + classes);
        this.size = imageSize;
        this.count = count;
        this.classes = classes;
        this.seed = seed;
    }

    @Override
    public String describe() {
        return "synthetic(size=" + size + ",count=" + count + ",classes=" + classes + ",seed=" + seed + ")";
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
        float[] data = new float[indices.length * 3 * plane];
        int half = size / 2;
        for (int n = 0; n < indices.length; n++) {
            int idx = indices[n];
            SplittableRandom r = new SplittableRandom(seed * 31 + idx);
            int c = label(idx);
            int qy = (c % 4) / 2 * half;
            int qx = (c % 4) % 2 * half;
            int channel = c / 4;
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        boolean inSquare = y >= qy + half / 4 && y < qy + 3 * half / 4 && x >= qx + half / 4 && x < qx + 3 * half / 4;
                        float v = (float) (r.nextGaussian() * 0.2 - 0.5);
                        if (inSquare && ch == channel) v = 0.9f;
                        data[((n * 3 + ch) * size + y) * size + x] = v;
                    }
                }
            }
        }
        return Nd4j.createFromArray(data).reshape(indices.length, 3, size, size);
    }
}
