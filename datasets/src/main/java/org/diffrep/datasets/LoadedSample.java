package org.diffrep.datasets;

import java.util.List;

/**
 * One sample ready for batching. Classification and training samples are S x S, label maps too;
 * a segmentation evaluation sample keeps its annotation at the annotation's resolution, and with
 * {@link SegmentationOptions#evalShortSide()} its image is S on the short side only.
 *
 * @param pixels      C x height x width floats in [-1, 1], RGB order
 * @param height      rows of the image
 * @param width       columns of the image
 * @param label       class index, or -1
 * @param labelMap    labelHeight x labelWidth class indices ({@link SampleLoader#IGNORE} for ignored pixels), or null
 * @param labelHeight rows of the label map (0 without one)
 * @param labelWidth  columns of the label map (0 without one)
 * @param objects     transformed COCO objects (empty for other datasets)
 */
public record LoadedSample(float[] pixels, int height, int width, int label, int[] labelMap, int labelHeight, int labelWidth,
                           List<ObjectTarget> objects) {

    /** An S x S sample whose label map, if any, is S x S as well. */
    static LoadedSample square(float[] pixels, int size, int label, int[] labelMap, List<ObjectTarget> objects) {
        int labelSide = labelMap == null ? 0 : size;
        return new LoadedSample(pixels, size, size, label, labelMap, labelSide, labelSide, objects);
    }
}
