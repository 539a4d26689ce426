package org.diffrep.training.data;

import org.nd4j.linalg.api.ndarray.INDArray;

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
}
