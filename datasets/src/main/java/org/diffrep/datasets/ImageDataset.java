package org.diffrep.datasets;

import java.nio.file.Path;
import java.util.List;

/**
 * A dataset read from its official on-disk layout. Splits use the dataset's own names
 * (train, val, trainval, test where they exist); labels are indices into {@link #classNames()}.
 */
public interface ImageDataset {

    /** Registry name, e.g. "cub" or "imagenet-1pct". */
    String name();

    Path root();

    Task task();

    /** The official splits, in the order the dataset documents them. */
    List<String> splits();

    /** The split the paper trains on (e.g. trainval for Aircraft, train+val for Flowers). */
    String trainSplit();

    /** The split the paper evaluates on. */
    String evalSplit();

    /**
     * All samples of a split in a fixed order (sorted the way the official tools list them).
     *
     * @throws IllegalArgumentException for a split name not in {@link #splits()}
     * @throws DatasetLayoutException when an annotation file the split needs is missing or malformed
     */
    List<Sample> samples(String split);

    int numClasses();

    List<String> classNames();

    /** Pixels of in-memory images (Fashion-MNIST); file-based datasets never get called. */
    default InMemoryImages inMemoryImages(String split) {
        throw new UnsupportedOperationException(name() + " stores its images as files");
    }
}
