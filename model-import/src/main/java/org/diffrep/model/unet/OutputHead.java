package org.diffrep.model.unet;

import org.nd4j.autodiff.samediff.SDVariable;

import java.util.Map;

/** The {@code out} head: GroupNorm → SiLU → conv 3x3 to ε (and the learned variance when learn_sigma). */
public record OutputHead(int channels, int outChannels, int groups, double eps) implements UNetLayer {

    @Override
    public SDVariable apply(GraphContext g, SDVariable x, SDVariable emb, int side) {
        return g.conv(g.silu(g.groupNorm(x, "out.0", channels, side, groups, eps)), "out.2", channels, outChannels, 3, 1);
    }

    @Override
    public void addParameters(Map<String, long[]> out) {
        out.put("out.0.weight", new long[]{channels});
        out.put("out.0.bias", new long[]{channels});
        out.put("out.2.weight", new long[]{outChannels, channels, 3, 3});
        out.put("out.2.bias", new long[]{outChannels});
    }

    @Override
    public long flops(int side) {
        return UNetLayer.convFlops(channels, outChannels, 3, side);
    }

    @Override
    public String describe() {
        return "GroupNorm+SiLU+Conv3x3 " + channels + "->" + outChannels;
    }
}
