package org.diffrep.model.unet;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Map;

/**
 * One module of guided-diffusion's U-Net. Each knows its state_dict keys and how to add itself to a
 * SameDiff graph; a block is a sequence of them.
 */
public sealed interface UNetLayer permits UNetLayer.Conv3x3, UNetLayer.ResBlock, UNetLayer.Attention,
        UNetLayer.Downsample, UNetLayer.Upsample, TimeEmbedding, OutputHead {

    /**
     * @param emb  the time embedding [N, embDim] (ignored by layers that take no conditioning)
     * @param side the spatial side of x (the graph is built for one input size; only N is dynamic)
     */
    SDVariable apply(GraphContext g, SDVariable x, SDVariable emb, int side);

    /** Spatial side of the output for an input of the given side. */
    default int outputSide(int side) {
        return side;
    }

    void addParameters(Map<String, long[]> out);

    /** Multiply-add FLOPs (2 per MAC) of the convs and matmuls for one sample of the given input side. */
    long flops(int side);

    /** The part of {@link #flops} done by conv2d ops (all but attention products and linear layers). */
    default long convFlops(int side) {
        return flops(side);
    }

    static long convFlops(int in, int out, int kernel, int outSide) {
        return 2L * in * out * kernel * kernel * outSide * outSide;
    }

    String describe();

    enum Resample { NONE, UP, DOWN }

    /** The stem convolution {@code input_blocks.0.0}. */
    record Conv3x3(String prefix, int in, int out) implements UNetLayer {
        @Override
        public SDVariable apply(GraphContext g, SDVariable x, SDVariable emb, int side) {
            return g.conv(x, prefix, in, out, 3, 1);
        }

        @Override
        public void addParameters(Map<String, long[]> m) {
            m.put(prefix + ".weight", new long[]{out, in, 3, 3});
            m.put(prefix + ".bias", new long[]{out});
        }

        @Override
        public long flops(int side) {
            return UNetLayer.convFlops(in, out, 3, side);
        }

        @Override
        public String describe() {
            return "Conv3x3 " + in + "->" + out;
        }
    }

    /**
     * guided-diffusion's {@code ResBlock}: in_layers (GN, SiLU, conv), optional up/down resampling of
     * both paths, time conditioning as scale-shift of the second GroupNorm (or added), out_layers
     * (GN, SiLU, dropout, conv) and a 1x1 skip conv when the width changes.
     */
    record ResBlock(String prefix, int in, int out, int embDim, Resample resample, boolean scaleShift,
                    int groups, double eps) implements UNetLayer {
        @Override
        public SDVariable apply(GraphContext g, SDVariable x, SDVariable emb, int side) {
            SDVariable h = g.silu(g.groupNorm(x, prefix + ".in_layers.0", in, side, groups, eps));
            int outSide = outputSide(side);
            if (resample == Resample.UP) {
                h = g.upsampleNearest2x(h);
                x = g.upsampleNearest2x(x);
            } else if (resample == Resample.DOWN) {
                h = g.avgPool2x2(h);
                x = g.avgPool2x2(x);
            }
            h = g.conv(h, prefix + ".in_layers.2", in, out, 3, 1);

            int embOut = scaleShift ? 2 * out : out;
            SDVariable e = g.linear(g.silu(emb), prefix + ".emb_layers.1", embDim, embOut).reshape(-1, embOut, 1, 1);
            if (scaleShift) {
                SDVariable scale = g.channels(e, 0, out, 4);
                SDVariable shift = g.channels(e, out, 2L * out, 4);
                h = g.groupNormFilm(h, prefix + ".out_layers.0", out, outSide, groups, eps, scale, shift);
            } else {
                h = g.groupNorm(h.add(e), prefix + ".out_layers.0", out, outSide, groups, eps);
            }
            h = g.conv(g.silu(h), prefix + ".out_layers.3", out, out, 3, 1);

            SDVariable skip = in == out ? x : g.conv(x, prefix + ".skip_connection", in, out, 1, 1);
            return skip.add(h);
        }

        @Override
        public int outputSide(int side) {
            return switch (resample) {
                case NONE -> side;
                case UP -> side * 2;
                case DOWN -> side / 2;
            };
        }

        @Override
        public void addParameters(Map<String, long[]> m) {
            m.put(prefix + ".in_layers.0.weight", new long[]{in});
            m.put(prefix + ".in_layers.0.bias", new long[]{in});
            m.put(prefix + ".in_layers.2.weight", new long[]{out, in, 3, 3});
            m.put(prefix + ".in_layers.2.bias", new long[]{out});
            m.put(prefix + ".emb_layers.1.weight", new long[]{scaleShift ? 2L * out : out, embDim});
            m.put(prefix + ".emb_layers.1.bias", new long[]{scaleShift ? 2L * out : out});
            m.put(prefix + ".out_layers.0.weight", new long[]{out});
            m.put(prefix + ".out_layers.0.bias", new long[]{out});
            m.put(prefix + ".out_layers.3.weight", new long[]{out, out, 3, 3});
            m.put(prefix + ".out_layers.3.bias", new long[]{out});
            if (in != out) {
                m.put(prefix + ".skip_connection.weight", new long[]{out, in, 1, 1});
                m.put(prefix + ".skip_connection.bias", new long[]{out});
            }
        }

        @Override
        public long flops(int side) {
            int outSide = outputSide(side);
            long f = UNetLayer.convFlops(in, out, 3, outSide) + UNetLayer.convFlops(out, out, 3, outSide)
                    + 2L * embDim * (scaleShift ? 2L * out : out);
            return in == out ? f : f + UNetLayer.convFlops(in, out, 1, outSide);
        }

        @Override
        public long convFlops(int side) {
            return flops(side) - 2L * embDim * (scaleShift ? 2L * out : out);
        }

        @Override
        public String describe() {
            String kind = switch (resample) {
                case NONE -> "ResBlock";
                case UP -> "ResBlock(up)";
                case DOWN -> "ResBlock(down)";
            };
            return kind + " " + in + "->" + out;
        }
    }

    /**
     * guided-diffusion's {@code AttentionBlock}: GroupNorm, a 1x1 qkv projection, multi-head
     * self-attention over the H*W positions, 1x1 output projection, residual. The legacy order (the
     * released checkpoints) groups the qkv channels per head ([q|k|v] per head); the new order splits
     * q, k, v first, then heads.
     */
    record Attention(String prefix, int channels, int heads, boolean newOrder, int groups, double eps) implements UNetLayer {
        @Override
        public SDVariable apply(GraphContext g, SDVariable x, SDVariable emb, int side) {
            SameDiff sd = g.sd();
            int d = channels / heads;
            long positions = (long) side * side;
            SDVariable qkv = g.conv1x1From1d(g.groupNorm(x, prefix + ".norm", channels, side, groups, eps),
                    prefix + ".qkv", channels, 3 * channels);
            SDVariable q;
            SDVariable k;
            SDVariable v;
            if (newOrder) {
                SDVariable flat = qkv.reshape(-1, 3L * channels, positions);
                q = g.channels(flat, 0, channels, 3).reshape(-1, d, positions);
                k = g.channels(flat, channels, 2L * channels, 3).reshape(-1, d, positions);
                v = g.channels(flat, 2L * channels, 3L * channels, 3).reshape(-1, d, positions);
            } else {
                SDVariable perHead = qkv.reshape(-1, 3L * d, positions);
                q = g.channels(perHead, 0, d, 3);
                k = g.channels(perHead, d, 2L * d, 3);
                v = g.channels(perHead, 2L * d, 3L * d, 3);
            }
            // scaling q and k by d^-1/4 each (not q.k by d^-1/2) mirrors the reference's fp16-friendly order
            double scale = 1.0 / Math.sqrt(Math.sqrt(d));
            SDVariable weights = sd.mmul(q.mul(scale), k.mul(scale), true, false, false); // [B, T, T]
            weights = sd.nn().softmax(weights, 2);
            SDVariable attended = sd.mmul(v, weights, false, true, false);               // [B, d, T]
            SDVariable merged = attended.reshape(-1, channels, side, side);
            SDVariable projected = g.conv1x1From1d(merged, prefix + ".proj_out", channels, channels);
            return x.add(projected);
        }

        @Override
        public void addParameters(Map<String, long[]> m) {
            m.put(prefix + ".norm.weight", new long[]{channels});
            m.put(prefix + ".norm.bias", new long[]{channels});
            m.put(prefix + ".qkv.weight", new long[]{3L * channels, channels, 1});
            m.put(prefix + ".qkv.bias", new long[]{3L * channels});
            m.put(prefix + ".proj_out.weight", new long[]{channels, channels, 1});
            m.put(prefix + ".proj_out.bias", new long[]{channels});
        }

        @Override
        public long flops(int side) {
            long t = (long) side * side;
            // q.k and weights.v over all heads on top of the projections
            return convFlops(side) + 2L * 2L * t * t * channels;
        }

        /** qkv and proj_out run as 1x1 convs. */
        @Override
        public long convFlops(int side) {
            long t = (long) side * side;
            return 2L * channels * 3L * channels * t + 2L * channels * channels * t;
        }

        @Override
        public String describe() {
            return "Attention(" + heads + " heads)";
        }
    }

    /** Plain downsampling (resblock_updown=False): strided 3x3 conv ({@code op}) or 2x2 average pooling. */
    record Downsample(String prefix, int channels, boolean useConv) implements UNetLayer {
        @Override
        public SDVariable apply(GraphContext g, SDVariable x, SDVariable emb, int side) {
            return useConv ? g.conv(x, prefix + ".op", channels, channels, 3, 2) : g.avgPool2x2(x);
        }

        @Override
        public int outputSide(int side) {
            return side / 2;
        }

        @Override
        public void addParameters(Map<String, long[]> m) {
            if (useConv) {
                m.put(prefix + ".op.weight", new long[]{channels, channels, 3, 3});
                m.put(prefix + ".op.bias", new long[]{channels});
            }
        }

        @Override
        public long flops(int side) {
            return useConv ? UNetLayer.convFlops(channels, channels, 3, side / 2) : 0;
        }

        @Override
        public String describe() {
            return useConv ? "Downsample(conv)" : "Downsample(avgpool)";
        }
    }

    /** Plain upsampling (resblock_updown=False): nearest x2, then an optional 3x3 conv. */
    record Upsample(String prefix, int channels, boolean useConv) implements UNetLayer {
        @Override
        public SDVariable apply(GraphContext g, SDVariable x, SDVariable emb, int side) {
            SDVariable up = g.upsampleNearest2x(x);
            return useConv ? g.conv(up, prefix + ".conv", channels, channels, 3, 1) : up;
        }

        @Override
        public int outputSide(int side) {
            return side * 2;
        }

        @Override
        public void addParameters(Map<String, long[]> m) {
            if (useConv) {
                m.put(prefix + ".conv.weight", new long[]{channels, channels, 3, 3});
                m.put(prefix + ".conv.bias", new long[]{channels});
            }
        }

        @Override
        public long flops(int side) {
            return useConv ? UNetLayer.convFlops(channels, channels, 3, side * 2) : 0;
        }

        @Override
        public String describe() {
            return useConv ? "Upsample(conv)" : "Upsample(nearest)";
        }
    }
}
