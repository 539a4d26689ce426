package org.diffrep.training.seg;

import org.diffrep.datasets.LoadReport;
import org.diffrep.datasets.SampleLoader;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * One split of a semantic-segmentation dataset with random access: image and label map together,
 * under the same geometry. Labels are class indices 0..K−1 or {@link #IGNORE}.
 */
public interface SegData {

    /** Label of pixels that are not scored (mmseg's ignore index, 255 there; the datasets pipeline's −1 here). */
    int IGNORE = SampleLoader.IGNORE;

    /** Identifies dataset, split, transform and sample list (stored with runs). */
    String describe();

    int size();

    int numClasses();

    List<String> classNames();

    /** Channels of the images (3, or 1 for Fashion-MNIST). */
    int channels();

    /** S: side of the images handed to the network. */
    int imageSize();

    /** Stable id of a sample; seeds its noise. */
    default long id(int index) {
        return index;
    }

    /** S x S training pairs [n, C, S, S] in [-1, 1] and labels (n·S·S, row-major per image); {@code variant} draws the random transform. */
    Batch trainBatch(int[] indices, long variant);

    /**
     * Evaluation images [n, C, S, S] (deterministic transform; for a sliding-window evaluation [n, C, H, W] with
     * the short side S) and the labels to score against, at their own resolution.
     */
    EvalBatch evalBatch(int[] indices);

    /** Files skipped because they could not be read (path and reason), for the run's outputs. */
    default List<LoadReport.Problem> unreadable() {
        return List.of();
    }

    /** This split without the samples that cannot be read; data that cannot meet an unreadable file is its own. */
    default SegData readable() {
        return this;
    }

    record Batch(INDArray images, int[] labels) {}

    record EvalBatch(INDArray images, List<Target> targets) {}

    /**
     * The labels a prediction is scored against.
     *
     * @param name   file name for a saved prediction (the annotation's, e.g. ADE_val_00000001.png)
     * @param labels width·height labels, row-major
     */
    record Target(String name, int width, int height, int[] labels) {}
}
