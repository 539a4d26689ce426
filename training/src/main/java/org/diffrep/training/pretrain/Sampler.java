package org.diffrep.training.pretrain;

import org.diffrep.common.UserInputException;
import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.unet.AdmUNet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Draws images from an ε-prediction model (guided-diffusion's p_sample loop): DDPM ancestral
 * sampling over all T steps with the posterior variance β̃_t, or DDIM (Song et al.) over an evenly
 * spaced subset of steps with η controlling the added noise. The predicted x0 is clipped to [-1, 1]
 * at every step, as guided-diffusion does with clip_denoised=True. Every draw comes from a
 * {@link Random} seeded once, so a seed always gives the same images.
 */
public final class Sampler {

    public enum Method { DDPM, DDIM }

    private final AdmUNet net;
    private final DiffusionSchedule schedule;

    public Sampler(AdmUNet net, DiffusionSchedule schedule) {
        if (!net.hasOutput()) throw new IllegalArgumentException("sampling needs the full U-Net, not a truncated graph");
        this.net = net;
        this.schedule = schedule;
    }

    /**
     * @param n        images
     * @param method   DDPM (uses every step; {@code steps} is ignored) or DDIM
     * @param steps    DDIM steps
     * @param eta      DDIM η (0 = deterministic given the initial noise)
     * @param progress called with the number of finished steps
     * @return [n, C, S, S] in [-1, 1]
     */
    public INDArray sample(int n, Method method, int steps, double eta, long seed, IntConsumer progress) {
        int c = net.config().inChannels();
        int s = net.config().imageSize();
        Random r = new Random(seed);
        INDArray x = DdpmTrainer.gaussian(r, new long[] {n, c, s, s});
        int[] seq = method == Method.DDPM ? range(schedule.steps()) : ddimSequence(schedule.steps(), steps);
        for (int i = seq.length - 1; i >= 0; i--) {
            int t = seq[i];
            int prev = i == 0 ? -1 : seq[i - 1];
            INDArray eps = epsilon(net.forward(x, Nd4j.valueArrayOf(new long[] {n}, (float) t)), c);
            double ab = schedule.alphaCumprod(t);
            double abPrev = prev < 0 ? 1.0 : schedule.alphaCumprod(prev);
            INDArray x0 = x.sub(eps.mul(Math.sqrt(1 - ab))).divi(Math.sqrt(ab));
            x0 = org.nd4j.linalg.ops.transforms.Transforms.min(org.nd4j.linalg.ops.transforms.Transforms.max(x0, -1.0, false), 1.0, false);
            if (method == Method.DDPM) {
                double beta = schedule.beta(t);
                double c0 = beta * Math.sqrt(abPrev) / (1 - ab);
                double ct = (1 - abPrev) * Math.sqrt(1 - beta) / (1 - ab);
                INDArray mean = x0.mul(c0).addi(x.mul(ct));
                x = t == 0 ? mean : mean.addi(DdpmTrainer.gaussian(r, x.shape()).muli(Math.sqrt(beta * (1 - abPrev) / (1 - ab))));
            } else {
                // ε consistent with the clipped x0, as guided-diffusion's ddim_sample recomputes it
                INDArray epsHat = x.sub(x0.mul(Math.sqrt(ab))).divi(Math.sqrt(1 - ab));
                double sigma = eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(1 - ab / abPrev);
                INDArray next = x0.mul(Math.sqrt(abPrev)).addi(epsHat.mul(Math.sqrt(Math.max(0, 1 - abPrev - sigma * sigma))));
                x = sigma > 0 && prev >= 0 ? next.addi(DdpmTrainer.gaussian(r, x.shape()).muli(sigma)) : next;
            }
            progress.accept(seq.length - i);
        }
        return x;
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    /**
     * The predicted noise in the U-Net's output: all of it for an ε-only model, the first
     * {@code channels} channels for a learned-variance one (guided-diffusion's {@code learn_sigma},
     * as the paper's 256×256 model: [ε | variance interpolation], of which sampling with the fixed
     * posterior variance uses only ε).
     */
    static INDArray epsilon(INDArray output, int channels) {
        long out = output.size(1);
        if (out == channels) return output;
        if (out == 2L * channels) return output.get(NDArrayIndex.all(), NDArrayIndex.interval(0, channels), NDArrayIndex.all(), NDArrayIndex.all()).dup();
        throw new IllegalStateException("a U-Net with " + channels + " input channels returned " + out + " channels: neither ε nor [ε | σ]");
    }

    /** guided-diffusion's "ddimN" spacing: N evenly strided steps starting at 0. */
    static int[] ddimSequence(int total, int steps) {
        if (steps < 1 || steps > total) throw new UserInputException("DDIM steps must be in 1.." + total + ", got " + steps);
        int stride = total / steps;
        int[] seq = new int[steps];
        for (int i = 0; i < steps; i++) seq[i] = i * stride;
        return seq;
    }
}
