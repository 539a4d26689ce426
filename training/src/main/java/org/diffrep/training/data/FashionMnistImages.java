package org.diffrep.training.data;

import org.diffrep.common.UserInputException;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.InMemoryImages;
import org.diffrep.datasets.Sample;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * A Fashion-MNIST split as the U-Net sees it: [n, 1, 32, 32] in [-1, 1], the 28×28 image centred
 * and padded with -1 (background black), as in the reference DDPM proxy. With {@code flip}, image
 * i of draw v is mirrored horizontally iff a hash of (v, i) is odd, so every draw is reproducible.
 */
public final class FashionMnistImages implements ImageSource {

    public static final int SIDE = 32;

    private final String name;
    private final String split;
    private final InMemoryImages pixels;
    private final List<Sample> samples;
    private final int numClasses;
    private final boolean flip;
    private final int[] subset;

    private FashionMnistImages(String name, String split, InMemoryImages pixels, List<Sample> samples, int numClasses,
                               boolean flip, int[] subset) {
        this.name = name;
        this.split = split;
        this.pixels = pixels;
        this.samples = samples;
        this.numClasses = numClasses;
        this.flip = flip;
        this.subset = subset;
    }

    public static FashionMnistImages of(ImageDataset dataset, String split, boolean flip) {
        InMemoryImages px = dataset.inMemoryImages(split);
        if (px == null || px.channels() != 1 || px.height() > SIDE || px.width() > SIDE) {
            throw new UserInputException(dataset.name() + " is not a grayscale dataset of at most " + SIDE + " px");
        }
        List<Sample> samples = dataset.samples(split);
        return new FashionMnistImages(dataset.name(), split, px, samples, dataset.numClasses(), flip, null);
    }

    /** The given positions of this split (e.g. a seeded random subset), renumbered 0..n-1; ids stay the split positions. */
    public FashionMnistImages subset(int[] positions) {
        int[] abs = new int[positions.length];
        for (int i = 0; i < positions.length; i++) abs[i] = absolute(positions[i]);
        return new FashionMnistImages(name, split, pixels, samples, numClasses, flip, abs);
    }

    private int absolute(int index) {
        return subset == null ? index : subset[index];
    }

    @Override
    public String describe() {
        return name + "/" + split + " (" + size() + " images, " + SIDE + " px padded" + (flip ? ", flip" : "") + ")";
    }

    @Override
    public int size() {
        return subset == null ? samples.size() : subset.length;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int label(int index) {
        return samples.get(absolute(index)).label();
    }

    @Override
    public long id(int index) {
        return absolute(index);
    }

    @Override
    public int imageSize() {
        return SIDE;
    }

    @Override
    public INDArray images(int[] indices, long variant) {
        int h = pixels.height();
        int w = pixels.width();
        int top = (SIDE - h) / 2;
        int left = (SIDE - w) / 2;
        int plane = SIDE * SIDE;
        float[] data = new float[indices.length * plane];
        java.util.Arrays.fill(data, -1f);
        for (int i = 0; i < indices.length; i++) {
            int abs = absolute(indices[i]);
            byte[] px = pixels.pixels(abs);
            boolean mirror = flip && (Seeds.mix(variant, abs) & 1) == 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int sx = mirror ? w - 1 - x : x;
                    data[i * plane + (top + y) * SIDE + left + x] = (px[y * w + sx] & 0xFF) / 127.5f - 1f;
                }
            }
        }
        return Nd4j.createFromArray(data).reshape(indices.length, 1, SIDE, SIDE);
    }
}
