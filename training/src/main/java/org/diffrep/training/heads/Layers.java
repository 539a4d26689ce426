package org.diffrep.training.heads;

import org.diffrep.model.features.Pooling;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;

/**
 * The PyTorch modules the heads are made of, as SameDiff ops on an NCHW / [N, L, D] graph. Weights
 * keep PyTorch's layouts (Linear [out, in], Conv [out, in, k, k]) and default initialisation.
 * Every shape except the batch is known when the graph is built, so reshapes use -1 only for N.
 */
public final class Layers {
    private Layers() {}

    public static final double LN_EPS = 1e-5;
    public static final double BN_EPS = 1e-5;
    public static final double BN_MOMENTUM = 0.1;

    /** {@code nn.Linear(in, out)} on [N, in]. */
    public static SDVariable linear(HeadParams p, SDVariable x, String name, long in, long out, boolean bias) {
        double bound = 1 / Math.sqrt(in);
        SDVariable w = p.uniform(name + ".weight", bound, out, in);
        SDVariable y = p.sd().mmul(x, w, false, true, false);
        return bias ? y.add(p.uniform(name + ".bias", bound, out)) : y;
    }

    /** {@code nn.Conv2d(in, out, k, padding=k/2)} on NCHW. */
    public static SDVariable conv(HeadParams p, SDVariable x, String name, long in, long out, int k, boolean bias) {
        double bound = 1 / Math.sqrt(in * k * k);
        SDVariable w = p.uniform(name + ".weight", bound, out, in, k, k);
        SDVariable b = bias ? p.uniform(name + ".bias", bound, out) : null;
        // conv2d_bp rejects OIYX weights in M2.1: hand the op its default [k, k, in, out] layout
        SDVariable yxio = w.permute(2, 3, 1, 0);
        Conv2DConfig c = Conv2DConfig.builder().kH(k).kW(k).pH(k / 2).pW(k / 2)
                .dataFormat("NCHW").weightsFormat(WeightsFormat.YXIO).build();
        return b == null ? p.sd().cnn().conv2d(x, yxio, c) : p.sd().cnn().conv2d(x, yxio, b, c);
    }

    /** {@code nn.LayerNorm(d)} over the last axis of a rank-3 [N, L, d] tensor. */
    public static SDVariable layerNormLast(HeadParams p, SDVariable x, String name, long d) {
        SDVariable mean = x.mean(true, 2);
        SDVariable centered = x.sub(mean);
        SDVariable var = centered.mul(centered).mean(true, 2);
        SDVariable norm = centered.mul(p.sd().math().rsqrt(var.add(LN_EPS)));
        return norm.mul(p.filled(name + ".weight", 1, d)).add(p.filled(name + ".bias", 0, d));
    }

    /**
     * {@code nn.LayerNorm([C, s, s])}: statistics over the whole map of each sample, element-wise
     * affine of shape [C, s, s] (the tokenizer's norm, docs/method.md §2.2).
     */
    public static SDVariable layerNormMap(HeadParams p, SDVariable x, String name, long c, long s) {
        SDVariable flat = x.reshape(-1, c * s * s);
        SDVariable mean = flat.mean(true, 1);
        SDVariable centered = flat.sub(mean);
        SDVariable var = centered.mul(centered).mean(true, 1);
        SDVariable norm = centered.mul(p.sd().math().rsqrt(var.add(LN_EPS))).reshape(-1, c, s, s);
        return norm.mul(p.filled(name + ".weight", 1, c, s, s)).add(p.filled(name + ".bias", 0, c, s, s));
    }

    /** Exact (erf) GELU, PyTorch's {@code nn.GELU()} default. */
    public static SDVariable gelu(SameDiff sd, SDVariable x) {
        return x.mul(sd.math().erf(x.mul(1 / Math.sqrt(2))).add(1)).mul(0.5);
    }

    /**
     * {@code nn.AdaptiveAvgPool2d(k)} / max variant keeping the map shape [N, C, k, k]. Equal cells
     * (side divisible by k) use one pooling op; otherwise PyTorch's uneven-cell rule from {@link Pooling}.
     */
    public static SDVariable adaptivePool(SameDiff sd, SDVariable x, Pooling pooling, long c, int side) {
        if (pooling.type() == Pooling.Type.NONE || pooling.size() == side) return x;
        int k = pooling.size();
        if (side % k == 0) {
            int f = side / k;
            Pooling2DConfig cfg = Pooling2DConfig.builder().kH(f).kW(f).sH(f).sW(f).isNHWC(false)
                    .type(pooling.type() == Pooling.Type.AVG ? Pooling2D.Pooling2DType.AVG : Pooling2D.Pooling2DType.MAX).build();
            return pooling.type() == Pooling.Type.AVG ? sd.cnn().avgPooling2d(x, cfg) : sd.cnn().maxPooling2d(x, cfg);
        }
        return pooling.apply(sd, x, c, side).reshape(-1, c, k, k);
    }

    /**
     * timm-style pre-norm transformer block (the official {@code Block}): x + Proj(MHA(LN1(x))),
     * then x + FC2(GELU(FC1(LN2(x)))); qkv without bias, no dropout, no drop-path.
     *
     * @param x [B, L, dim]
     */
    public static SDVariable transformerBlock(HeadParams p, SDVariable x, String name, int dim, int heads, double mlpRatio, long tokens) {
        SDVariable a = attention(p, layerNormLast(p, x, name + ".norm1", dim), name + ".attn", dim, heads, tokens);
        x = x.add(a);
        long hiddenDim = (long) (dim * mlpRatio);
        SDVariable h = layerNormLast(p, x, name + ".norm2", dim).reshape(-1, dim);
        h = gelu(p.sd(), linear(p, h, name + ".mlp.fc1", dim, hiddenDim, true));
        h = linear(p, h, name + ".mlp.fc2", hiddenDim, dim, true);
        return x.add(h.reshape(-1, tokens, dim));
    }

    /** Multi-head self-attention; the 3·dim qkv outputs are ordered [q | k | v], each head-major. */
    static SDVariable attention(HeadParams p, SDVariable x, String name, int dim, int heads, long tokens) {
        SameDiff sd = p.sd();
        int hd = dim / heads;
        SDVariable qkv = linear(p, x.reshape(-1, dim), name + ".qkv", dim, 3L * dim, false);
        SDVariable q = splitHeads(qkv, 0, dim, heads, tokens).mul(Math.pow(hd, -0.5));
        SDVariable k = splitHeads(qkv, 1, dim, heads, tokens);
        SDVariable v = splitHeads(qkv, 2, dim, heads, tokens);
        SDVariable w = sd.nn().softmax(sd.mmul(q, k, false, true, false), 2);
        SDVariable o = sd.mmul(w, v).reshape(-1, heads, tokens, hd).permute(0, 2, 1, 3).reshape(-1, dim);
        return linear(p, o, name + ".proj", dim, dim, true).reshape(-1, tokens, dim);
    }

    /** Part {@code which} (0 q, 1 k, 2 v) of [B·L, 3·dim] as [B·heads, L, head_dim]. */
    private static SDVariable splitHeads(SDVariable qkv, int which, int dim, int heads, long tokens) {
        SDVariable part = qkv.get(SDIndex.all(), SDIndex.interval((long) which * dim, (long) (which + 1) * dim));
        return part.reshape(-1, tokens, heads, dim / heads).permute(0, 2, 1, 3).reshape(-1, tokens, dim / heads);
    }

    /**
     * {@code nn.BatchNorm2d(c)} whose statistics are chosen by the graph input {@code trainFlag}
     * ([1]: 1 = this batch's, 0 = the running ones). The running statistics are constants that the
     * trainer updates from {@link BatchNorm#batchMean()} / {@link BatchNorm#batchVar()} after each step.
     */
    public static BatchNorm batchNorm(HeadParams p, SDVariable x, String name, long c, long spatial, SDVariable trainFlag) {
        SDVariable batchMean = x.mean(false, 0, 2, 3);
        SDVariable centered = x.sub(batchMean.reshape(1, c, 1, 1));
        SDVariable batchVar = centered.mul(centered).mean(false, 0, 2, 3);
        SDVariable runMean = p.buffer(name + ".running_mean", 0, c);
        SDVariable runVar = p.buffer(name + ".running_var", 1, c);
        SDVariable keep = trainFlag.rsub(1);
        SDVariable mean = batchMean.mul(trainFlag).add(runMean.mul(keep));
        SDVariable var = batchVar.mul(trainFlag).add(runVar.mul(keep));
        SDVariable norm = x.sub(mean.reshape(1, c, 1, 1)).mul(p.sd().math().rsqrt(var.add(BN_EPS)).reshape(1, c, 1, 1));
        SDVariable y = norm.mul(p.filled(name + ".weight", 1, c).reshape(1, c, 1, 1)).add(p.filled(name + ".bias", 0, c).reshape(1, c, 1, 1));
        return new BatchNorm(y, batchMean, batchVar, name + ".running_mean", name + ".running_var", spatial);
    }

    /**
     * A BatchNorm's output and what the trainer needs to update its running statistics.
     *
     * @param spatial H·W of its input, for the unbiased variance PyTorch keeps as running_var
     */
    public record BatchNorm(SDVariable output, SDVariable batchMean, SDVariable batchVar, String runningMean, String runningVar,
                            long spatial) {}
}
