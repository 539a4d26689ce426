package org.diffrep.datasets;

/** Equal-sized 8-bit images held in one array (IDX files), addressed by sample index. */
public interface InMemoryImages {
    int height();

    int width();

    /** 1 for grayscale. */
    int channels();

    /** Row-major HWC bytes of one image. */
    byte[] pixels(int index);
}
