package org.diffrep.model.unet;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * guided-diffusion's sinusoidal {@code timestep_embedding} (cos half first, then sin; max period
 * 10000) followed by {@code time_embed} = Linear → SiLU → Linear.
 */
public record TimeEmbedding(int modelChannels, int embedDim) implements UNetLayer {

    /** Frequencies {@code exp(-ln(10000) * i / half)} evaluated in float32, as torch does. */
    static float[] frequencies(int dim) {
        int half = dim / 2;
        float[] f = new float[half];
        float logPeriod = (float) -Math.log(10000);
        for (int i = 0; i < half; i++) {
            f[i] = (float) Math.exp((logPeriod * i) / half);
        }
        return f;
    }

    /** @param timesteps [N] float timesteps (the integer t, unscaled) */
    @Override
    public SDVariable apply(GraphContext g, SDVariable timesteps, SDVariable unused, int side) {
        float[] freqs = frequencies(modelChannels);
        SDVariable f = g.sd().constant(Nd4j.createFromArray(freqs).reshape(1, freqs.length));
        SDVariable args = timesteps.castTo(DataType.FLOAT).reshape(-1, 1).mul(f);
        SDVariable sinusoid = g.sd().concat(1, g.sd().math().cos(args), g.sd().math().sin(args));
        if (modelChannels % 2 == 1) {
            throw new IllegalArgumentException("odd model_channels are not supported for the timestep embedding");
        }
        SDVariable h = g.linear(sinusoid, "time_embed.0", modelChannels, embedDim);
        return g.linear(g.silu(h), "time_embed.2", embedDim, embedDim);
    }

    @Override
    public void addParameters(Map<String, long[]> out) {
        out.put("time_embed.0.weight", new long[]{embedDim, modelChannels});
        out.put("time_embed.0.bias", new long[]{embedDim});
        out.put("time_embed.2.weight", new long[]{embedDim, embedDim});
        out.put("time_embed.2.bias", new long[]{embedDim});
    }

    @Override
    public long flops(int side) {
        return 2L * modelChannels * embedDim + 2L * embedDim * embedDim;
    }

    @Override
    public long convFlops(int side) {
        return 0;
    }

    @Override
    public String describe() {
        return "TimeEmbedding " + modelChannels + "->" + embedDim;
    }
}
