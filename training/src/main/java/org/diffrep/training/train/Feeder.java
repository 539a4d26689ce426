package org.diffrep.training.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/** Supplies a {@link org.diffrep.training.graph.ClassifierGraph}'s inputs (all but the labels) for batches of one split. */
public interface Feeder {

    /** Pass number for evaluation: deterministic transform, fixed evaluation noise, first cached draw. */
    int EVAL = -1;

    String describe();

    int size();

    int numClasses();

    int label(int index);

    /**
     * @param indices samples of the batch
     * @param pass    the training epoch (selects noise, transform and cache draws), or {@link #EVAL}
     */
    Map<String, INDArray> inputs(int[] indices, int pass);

    /** The indices start, start + 1, …, end − 1: a batch of a split read in order. */
    static int[] range(int start, int end) {
        int[] idx = new int[end - start];
        for (int i = 0; i < idx.length; i++) idx[i] = start + i;
        return idx;
    }
}
