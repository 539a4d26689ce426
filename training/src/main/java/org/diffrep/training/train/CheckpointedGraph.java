package org.diffrep.training.train;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * A training graph whose state a {@link Checkpoint} holds: the parameters it trains and its
 * buffers (BatchNorm running statistics), each a named array of the graph.
 */
public interface CheckpointedGraph {

    List<String> trainableNames();

    List<String> bufferNames();

    SameDiff sameDiff();

    /** The graph's current array of a variable or constant. */
    default INDArray array(String name) {
        return sameDiff().getVariable(name).getArr();
    }
}
