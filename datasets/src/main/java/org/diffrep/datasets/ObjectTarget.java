package org.diffrep.datasets;

/**
 * One COCO object after the batch's geometric transform, in output pixel coordinates.
 *
 * @param category category index 0..79
 * @param crowd    iscrowd flag
 * @param x1       box left, in [0, S]
 * @param y1       box top
 * @param x2       box right
 * @param y2       box bottom
 * @param mask     row-major S x S bytes, 1 inside the object
 */
public record ObjectTarget(int category, boolean crowd, float x1, float y1, float x2, float y2, byte[] mask) {
}
