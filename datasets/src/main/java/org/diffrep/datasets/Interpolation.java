package org.diffrep.datasets;

import org.bytedeco.opencv.global.opencv_imgproc;

/** Image resampling for the short-side resize; label maps and masks always use nearest. */
public enum Interpolation {
    /** OpenCV bicubic (a = -0.75); the paper's code resizes with PIL bicubic. Default. */
    BICUBIC(opencv_imgproc.INTER_CUBIC),
    BILINEAR(opencv_imgproc.INTER_LINEAR),
    /** Pixel-area averaging: best for strong downscaling, e.g. 500 px photos to 32 px. */
    AREA(opencv_imgproc.INTER_AREA);

    final int openCvFlag;

    Interpolation(int openCvFlag) {
        this.openCvFlag = openCvFlag;
    }
}
