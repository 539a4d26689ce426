package org.diffrep.training.data;

import org.diffrep.datasets.LoadReport;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * One split of a labelled image dataset with random access, as the trainer and the feature cache
 * need it: images come as [n, 3, S, S] in [-1, 1] (no mean/std normalisation, as the U-Net expects).
 * Random transforms (flip, the official random crop) are a pure function of {@code variant} and the
 * sample, so a resumed run or a cache rebuild sees the same pixels.
 */
public interface ImageSource {

    /** Identifies dataset, split and transform (enters cache keys and run summaries). */
    String describe();

    int size();

    int numClasses();

    int label(int index);

    /** Stable id of a sample (its position in the split's fixed order); seeds its noise draws. */
    default long id(int index) {
        return index;
    }

    int imageSize();

    /**
     * @param indices samples to load
     * @param variant which random-transform draw (epoch or cache draw); ignored by deterministic transforms
     */
    INDArray images(int[] indices, long variant);

    /** Images of a batch and which of the requested indices they are (unreadable ones left out), in order. */
    record Batch(int[] indices, INDArray images) {}

    /**
     * Streams the given samples in batches of up to {@code batchSize}, leaving out unreadable images
     * (recorded in {@link #unreadable()}); a batch is filled from the following samples. Sources that
     * cannot meet an unreadable image (in-memory, generated) just cut {@code indices} into batches.
     */
    default Iterator<Batch> batches(int[] indices, long variant, int batchSize) {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < indices.length;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new NoSuchElementException();
                int[] idx = java.util.Arrays.copyOfRange(indices, next, Math.min(indices.length, next + batchSize));
                next += idx.length;
                return new Batch(idx, images(idx, variant));
            }
        };
    }

    /** Which of some requested samples can be read: their indices in order, and "path: reason" for each of the others. */
    record Screened(int[] readable, List<String> skipped) {}

    /**
     * Reads (decodes) the given samples once to find the unreadable ones, which are recorded in
     * {@link #unreadable()} and count against the run's tolerance. Sources that cannot meet an
     * unreadable image return every index without reading anything.
     */
    default Screened screen(int[] indices) {
        return new Screened(indices, List.of());
    }

    /** Images skipped so far because they could not be read (path and reason). */
    default List<LoadReport.Problem> unreadable() {
        return List.of();
    }

    /** This source without its unreadable images, for consumers that need every image of a batch. */
    default ImageSource readable() {
        return this;
    }
}
