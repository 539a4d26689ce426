package org.diffrep.training.pretrain;

import org.diffrep.model.unet.AdmConfig;
import org.diffrep.training.data.ImageSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/** Two 8×8 grayscale patterns (a bright square, a diagonal) in [-1, 1]: easy for a tiny DDPM to learn. */
final class TinyImages implements ImageSource {

    static final int SIDE = 8;

    /** A 2-level ADM at 8 px with attention at 4 px: the smallest tree that has every block kind. */
    static AdmConfig config() {
        return AdmConfig.builder("ddpm-test", SIDE, 8).optInChannels(1).optNumResBlocks(1).optAttentionResolutions(List.of(4))
                .optChannelMult(List.of(1.0, 2.0)).optNumHeads(2).optResblockUpdown(true).optGroupNorm(4, 1e-5).build();
    }

    @Override
    public String describe() {
        return "tiny-patterns";
    }

    @Override
    public int size() {
        return 16;
    }

    @Override
    public int numClasses() {
        return 2;
    }

    @Override
    public int label(int index) {
        return index % 2;
    }

    @Override
    public int imageSize() {
        return SIDE;
    }

    @Override
    public INDArray images(int[] indices, long variant) {
        float[] v = new float[indices.length * SIDE * SIDE];
        for (int i = 0; i < indices.length; i++) {
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    boolean on = label(indices[i]) == 0 ? (x >= 2 && x < 6 && y >= 2 && y < 6) : x == y;
                    v[i * SIDE * SIDE + y * SIDE + x] = on ? 1f : -1f;
                }
            }
        }
        return Nd4j.createFromArray(v).reshape(indices.length, 1, SIDE, SIDE);
    }
}
