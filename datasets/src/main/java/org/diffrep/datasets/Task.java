package org.diffrep.datasets;

/** What a dataset's annotation describes; decides what a batch's labels look like. */
public enum Task {
    /** One class index per image; batches carry one-hot labels [N, K]. */
    CLASSIFICATION,
    /** One class index per pixel (ADE20K); batches carry label maps [N, 1, S, S]. */
    SEMANTIC_SEGMENTATION,
    /** Boxes and binary masks per object (COCO); batches carry a category map plus per-object targets. */
    INSTANCE_SEGMENTATION
}
