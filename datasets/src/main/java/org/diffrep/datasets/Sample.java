package org.diffrep.datasets;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One image of a split and its annotation.
 *
 * @param id        stable name used in reports (relative path, or "train#123" for IDX images)
 * @param image     the image file, or null when the pixels live in memory (Fashion-MNIST)
 * @param index     position in the in-memory image array, or -1 for file images
 * @param label     class index in [0, numClasses), or -1 when the task has no image label
 * @param labelMap  per-pixel label PNG (ADE20K), else null
 * @param objects   COCO objects of the image (empty for other datasets)
 */
public record Sample(String id, Path image, int index, int label, Path labelMap, List<CocoObject> objects) {

    public Sample {
        Objects.requireNonNull(id, "id");
        objects = List.copyOf(objects);
    }

    public static Sample ofFile(String id, Path image, int label) {
        return new Sample(id, image, -1, label, null, List.of());
    }

    public static Sample ofIndex(String id, int index, int label) {
        return new Sample(id, null, index, label, null, List.of());
    }

    public static Sample withLabelMap(String id, Path image, Path labelMap) {
        return new Sample(id, image, -1, -1, labelMap, List.of());
    }

    public static Sample withObjects(String id, Path image, List<CocoObject> objects) {
        return new Sample(id, image, -1, -1, null, objects);
    }
}
