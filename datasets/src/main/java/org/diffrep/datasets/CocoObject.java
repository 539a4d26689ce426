package org.diffrep.datasets;

/**
 * One COCO annotation.
 *
 * @param id       annotation id from the JSON
 * @param category category index 0..79 (COCO category ids sorted ascending)
 * @param crowd    iscrowd flag (crowd regions are RLE-encoded and usually ignored by losses)
 * @param x        box left edge in original image pixels
 * @param y        box top edge
 * @param width    box width
 * @param height   box height
 * @param mask     the segmentation, decoded on demand
 */
public record CocoObject(long id, int category, boolean crowd, float x, float y, float width, float height,
                         CocoMask mask) {
}
