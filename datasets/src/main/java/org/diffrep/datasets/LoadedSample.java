package org.diffrep.datasets;

import java.util.List;

/**
 * One sample ready for batching.
 *
 * @param pixels   C x S x S floats in [-1, 1], RGB order
 * @param label    class index, or -1
 * @param labelMap S x S class indices ({@link SampleLoader#IGNORE} for ignored pixels), or null
 * @param objects  transformed COCO objects (empty for other datasets)
 */
public record LoadedSample(float[] pixels, int label, int[] labelMap, List<ObjectTarget> objects) {
}
