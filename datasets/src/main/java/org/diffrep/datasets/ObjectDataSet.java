package org.diffrep.datasets;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A COCO batch: the usual features and per-pixel category map (with its mask), plus each image's
 * objects (box, binary mask, crowd flag) for detection and instance-segmentation heads.
 */
public class ObjectDataSet extends DataSet {
    private final List<List<ObjectTarget>> objects;

    public ObjectDataSet(INDArray features, INDArray labels, INDArray labelsMask, List<List<ObjectTarget>> objects) {
        super(features, labels, null, labelsMask);
        this.objects = List.copyOf(objects);
    }

    /** Objects of image i of the batch, in the transformed (cropped, flipped) coordinates. */
    public List<List<ObjectTarget>> objects() {
        return objects;
    }
}
