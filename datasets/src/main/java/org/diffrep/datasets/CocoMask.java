package org.diffrep.datasets;

/**
 * A COCO segmentation (polygons, uncompressed RLE or compressed RLE string) that decodes to a
 * binary mask the way pycocotools' {@code annToMask} does.
 */
public interface CocoMask {
    int height();

    int width();

    /** Row-major {@code height x width} bytes, 1 inside the object, 0 outside. */
    byte[] decode();
}
