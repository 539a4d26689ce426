package org.diffrep.training.seg;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bilinear resizing and adaptive average pooling of NCHW maps as two matrix products, one per axis.
 * Both are separable linear maps, so {@code out = R_h · x · R_wᵀ} reproduces PyTorch's
 * {@code F.interpolate(mode="bilinear", align_corners=False)} (mmseg's resize) and
 * {@code AdaptiveAvgPool2d} exactly, and differentiates with nothing but matmul, reshape and permute,
 * which SameDiff's autodiff handles for any size (unlike its NHWC-only image resize ops).
 */
public final class Resample {
    private Resample() {}

    /**
     * Weights [out, in] of PyTorch's bilinear interpolation with align_corners=False along one axis:
     * output i samples the input at (i + 0.5) · in / out − 0.5, clamped at 0, between its two
     * neighbours.
     */
    public static float[][] bilinear(int in, int out) {
        float[][] m = new float[out][in];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double src = Math.max(0, (i + 0.5) * scale - 0.5);
            int i0 = Math.min((int) Math.floor(src), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            double lambda = src - i0;
            m[i][i0] += (float) (1 - lambda);
            m[i][i1] += (float) lambda;
        }
        return m;
    }

    /** Weights [out, in] of PyTorch's adaptive average pooling along one axis: cell i is [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). */
    public static float[][] adaptiveAverage(int in, int out) {
        float[][] m = new float[out][in];
        for (int i = 0; i < out; i++) {
            int start = Math.floorDiv(i * in, out);
            int end = -Math.floorDiv(-(i + 1) * in, out);
            for (int k = start; k < end; k++) m[i][k] = 1f / (end - start);
        }
        return m;
    }

    /** Bilinear resize of a square [N, C, in, in] map to [N, C, out, out]. */
    public static SDVariable bilinear(SameDiff sd, SDVariable x, long channels, int in, int out) {
        return in == out ? x : separable(sd, x, channels, in, bilinear(in, out));
    }

    /** Adaptive average pooling of a square [N, C, in, in] map to [N, C, out, out]. */
    public static SDVariable adaptiveAverage(SameDiff sd, SDVariable x, long channels, int in, int out) {
        return in == out ? x : separable(sd, x, channels, in, adaptiveAverage(in, out));
    }

    /** Applies the same [out, in] matrix along W, then along H. */
    private static SDVariable separable(SameDiff sd, SDVariable x, long channels, int in, float[][] matrix) {
        int out = matrix.length;
        SDVariable mt = sd.constant(Nd4j.createFromArray(matrix).castTo(DataType.FLOAT).transpose().dup('c'));
        SDVariable alongW = sd.mmul(x.reshape(-1, in), mt).reshape(-1, in, out);          // [N·C, H, W']
        SDVariable hLast = alongW.permute(0, 2, 1).reshape(-1, in);                        // [N·C·W', H]
        SDVariable alongH = sd.mmul(hLast, mt).reshape(-1, channels, out, out);           // [N, C, W', H']
        return alongH.permute(0, 1, 3, 2);
    }
}
