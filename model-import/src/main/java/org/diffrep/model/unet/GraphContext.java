package org.diffrep.model.unet;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The SameDiff graph a U-Net is being built into, with the few neural-net ops guided-diffusion's
 * {@code nn.py} defines (GroupNorm32, SiLU, conv, linear). Parameters are looked up by state_dict key
 * through {@link ParameterSource}, so every builder piece names its weights exactly as PyTorch does.
 */
public final class GraphContext {

    /** Supplies the graph variable for a state_dict key, checking it has the expected shape. */
    @FunctionalInterface
    public interface ParameterSource {
        SDVariable parameter(SameDiff sd, String key, long[] shape);
    }

    private final SameDiff sd;
    private final ParameterSource parameters;
    private final boolean differentiable;

    /**
     * @param differentiable whether the graph will be differentiated through its convs (trainable
     *                       weights, or gradients flowing back through frozen ones to earlier inputs)
     */
    public GraphContext(SameDiff sd, ParameterSource parameters, boolean differentiable) {
        this.sd = sd;
        this.parameters = parameters;
        this.differentiable = differentiable;
    }

    public SameDiff sd() {
        return sd;
    }

    public SDVariable param(String key, long... shape) {
        return parameters.parameter(sd, key, shape);
    }

    /**
     * GroupNorm with affine weight/bias {@code prefix.weight}/{@code prefix.bias}; statistics over
     * (C/G, H, W) of an [N, C, side, side] map.
     */
    public SDVariable groupNorm(SDVariable x, String prefix, int channels, int side, int groups, double eps) {
        return groupNormFilm(x, prefix, channels, side, groups, eps, null, null);
    }

    /**
     * GroupNorm followed by a FiLM modulation {@code gn(x) * (1 + scale) + shift} with per-sample,
     * per-channel scale/shift [N, C, 1, 1] (null for none). Everything is folded into one per-(n, c)
     * multiplier and offset, so the full-size map is touched by one moments op and one multiply-add
     * instead of the seven full-size passes of the textbook composition: ND4J's elementwise ops cost
     * a fresh output each, and these maps are the largest tensors of the network.
     */
    public SDVariable groupNormFilm(SDVariable x, String prefix, int channels, int side, int groups, double eps,
                                    SDVariable filmScale, SDVariable filmShift) {
        SDVariable gamma = param(prefix + ".weight", channels).reshape(1, channels, 1, 1);
        SDVariable beta = param(prefix + ".bias", channels).reshape(1, channels, 1, 1);
        SDVariable[] moments = sd.math().moments(x.reshape(-1, groups, (long) channels / groups * side * side),
                new int[]{2}, true);                                                   // [N, G, 1] each
        SDVariable perChannel = sd.constant(Nd4j.ones(DataType.FLOAT, 1, groups, channels / groups));
        SDVariable rstd = sd.math().rsqrt(moments[1].add(eps)).mul(perChannel).reshape(-1, channels, 1, 1);
        SDVariable mean = moments[0].mul(perChannel).reshape(-1, channels, 1, 1);
        SDVariable scale = rstd.mul(gamma);
        SDVariable shift = beta.sub(mean.mul(scale));
        if (filmScale != null) {
            SDVariable film = filmScale.add(1.0);
            scale = scale.mul(film);
            shift = shift.mul(film).add(filmShift);
        }
        return x.mul(scale).add(shift);
    }

    public SDVariable silu(SDVariable x) {
        return sd.nn().swish(x);
    }

    /** 2-d convolution with a PyTorch weight [out, in, k, k] and bias, padding k/2 ("same" for odd k). */
    public SDVariable conv(SDVariable x, String prefix, int in, int out, int kernel, int stride) {
        return conv2d(x, param(prefix + ".weight", out, in, kernel, kernel), param(prefix + ".bias", out), kernel, stride);
    }

    /** A PyTorch {@code Conv1d(in, out, 1)} (weight [out, in, 1]) applied to an NCHW map as a 1x1 conv. */
    public SDVariable conv1x1From1d(SDVariable x, String prefix, int in, int out) {
        return conv2d(x, param(prefix + ".weight", out, in, 1).reshape(out, in, 1, 1), param(prefix + ".bias", out), 1, 1);
    }

    /**
     * Inference uses PyTorch's [out, in, kH, kW] weights as they are. A graph that will be
     * differentiated permutes them to [kH, kW, in, out] first: ND4J M2.1's conv2d_bp accepts no other
     * layout (with OIYX it fails "wrong shape of output gradients"), even for frozen weights.
     */
    private SDVariable conv2d(SDVariable x, SDVariable weight, SDVariable bias, int kernel, int stride) {
        SDVariable w = differentiable ? weight.permute(2, 3, 1, 0) : weight;
        return sd.cnn().conv2d(x, w, bias, Conv2DConfig.builder()
                .kH(kernel).kW(kernel).sH(stride).sW(stride).pH(kernel / 2).pW(kernel / 2).dataFormat("NCHW")
                .weightsFormat(differentiable ? WeightsFormat.YXIO : WeightsFormat.OIYX).build());
    }

    /** PyTorch {@code Linear(in, out)}: x [N, in] times weight [out, in] transposed, plus bias. */
    public SDVariable linear(SDVariable x, String prefix, int in, int out) {
        SDVariable w = param(prefix + ".weight", out, in);
        SDVariable b = param(prefix + ".bias", out);
        return sd.mmul(x, w, false, true, false).add(b);
    }

    public SDVariable avgPool2x2(SDVariable x) {
        return sd.cnn().avgPooling2d(x, Pooling2DConfig.builder()
                .kH(2).kW(2).sH(2).sW(2).type(org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D.Pooling2DType.AVG).isNHWC(false).build());
    }

    public SDVariable upsampleNearest2x(SDVariable x) {
        // the single-scale overload upsampling2d(x, 2) fails shape inference in M2.1
        return sd.cnn().upsampling2d(x, 2, 2, true);
    }

    /** Channels [from, to) of an [N, C, ...] tensor. */
    public SDVariable channels(SDVariable x, long from, long to, int rank) {
        SDIndex[] idx = new SDIndex[rank];
        Arrays.fill(idx, SDIndex.all());
        idx[1] = SDIndex.interval(from, to);
        return x.get(idx);
    }
}
