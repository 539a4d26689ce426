package org.diffrep.training.seg;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/** Supplies a {@link SegGraph}'s placeholders and the labels for batches of one split. */
public interface SegBatches {

    String describe();

    int size();

    /** Training batch of iteration {@code iteration}: placeholders and S x S labels per image (n·S·S). */
    Train train(int[] indices, long iteration);

    /** Evaluation batch: placeholders (deterministic) and the targets to score against. */
    Eval eval(int[] indices);

    record Train(Map<String, INDArray> inputs, int[] labels) {}

    record Eval(Map<String, INDArray> inputs, List<SegData.Target> targets) {}
}
