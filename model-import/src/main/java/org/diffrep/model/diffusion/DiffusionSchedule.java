package org.diffrep.model.diffusion;

import org.diffrep.common.UserInputException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The forward (noising) process of guided-diffusion: betas, cumulative alphas and
 * {@code q_sample(x0, t, eps) = sqrt(ᾱ_t) x0 + sqrt(1 - ᾱ_t) eps}. Coefficients are computed in
 * float64 and cast to float32, then applied in float32, as guided-diffusion does.
 */
public final class DiffusionSchedule {

    private final double[] betas;
    private final double[] alphasCumprod;

    private DiffusionSchedule(double[] betas) {
        this.betas = betas;
        this.alphasCumprod = new double[betas.length];
        double prod = 1.0;
        for (int i = 0; i < betas.length; i++) {
            prod *= 1.0 - betas[i];
            alphasCumprod[i] = prod;
        }
    }

    /** guided-diffusion's "linear" schedule: betas = linspace(1e-4 * 1000/T, 0.02 * 1000/T, T). */
    public static DiffusionSchedule linear(int steps) {
        if (steps < 2) throw new IllegalArgumentException("need at least 2 diffusion steps, got " + steps);
        double scale = 1000.0 / steps;
        double start = scale * 1e-4;
        double end = scale * 0.02;
        double[] b = new double[steps];
        for (int i = 0; i < steps; i++) {
            b[i] = start + (end - start) * i / (steps - 1); // numpy.linspace's formula
        }
        return new DiffusionSchedule(b);
    }

    public static DiffusionSchedule linear1000() {
        return linear(1000);
    }

    public int steps() {
        return betas.length;
    }

    public double beta(int t) {
        return betas[check(t)];
    }

    public double alphaCumprod(int t) {
        return alphasCumprod[check(t)];
    }

    public double sqrtAlphaCumprod(int t) {
        return Math.sqrt(alphaCumprod(t));
    }

    public double sqrtOneMinusAlphaCumprod(int t) {
        return Math.sqrt(1.0 - alphaCumprod(t));
    }

    private int check(int t) {
        if (t < 0 || t >= betas.length) {
            throw new UserInputException("t=" + t + " is outside the diffusion steps 0.." + (betas.length - 1));
        }
        return t;
    }

    /**
     * x_t for a batch with one timestep per sample.
     *
     * @param x0  [N, ...] clean images in [-1, 1]
     * @param t   one timestep per sample
     * @param eps [N, ...] standard normal noise, same shape as x0
     */
    public INDArray qSample(INDArray x0, int[] t, INDArray eps) {
        if (!java.util.Arrays.equals(x0.shape(), eps.shape())) {
            throw new IllegalArgumentException("x0 and eps shapes differ: " + java.util.Arrays.toString(x0.shape())
                    + " vs " + java.util.Arrays.toString(eps.shape()));
        }
        if (t.length != x0.size(0)) {
            throw new IllegalArgumentException("need one timestep per sample: " + x0.size(0) + " samples, " + t.length + " timesteps");
        }
        long[] coefShape = new long[x0.rank()];
        java.util.Arrays.fill(coefShape, 1);
        coefShape[0] = t.length;
        float[] a = new float[t.length];
        float[] s = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            a[i] = (float) sqrtAlphaCumprod(t[i]);
            s[i] = (float) sqrtOneMinusAlphaCumprod(t[i]);
        }
        INDArray ca = Nd4j.createFromArray(a).reshape(coefShape);
        INDArray cs = Nd4j.createFromArray(s).reshape(coefShape);
        INDArray x = x0.castTo(DataType.FLOAT);
        return x.mul(ca).addi(eps.castTo(DataType.FLOAT).mul(cs));
    }

    public INDArray qSample(INDArray x0, int t, INDArray eps) {
        int[] ts = new int[(int) x0.size(0)];
        java.util.Arrays.fill(ts, t);
        return qSample(x0, ts, eps);
    }
}
