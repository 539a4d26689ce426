package org.diffrep.model.unet;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GroupNorm (and its FiLM form) against a double-precision transcription of PyTorch's
 * {@code F.group_norm}: biased variance, eps inside the square root. The adm-tiny fixture has 32
 * channels in 32 groups, so its parity test never sees a group of several channels; adm-fmnist and
 * ADM-256 do (2 and up to 16 channels per group).
 */
class GroupNormTest {

    private static final int N = 2;
    private static final int C = 8;
    private static final int GROUPS = 2;
    private static final int SIDE = 4;
    private static final double EPS = 1e-5;

    @Test
    void groupsOfSeveralChannelsMatchTorchsDefinition() {
        Random r = new Random(7);
        float[][][][] x = new float[N][C][SIDE][SIDE];
        for (float[][][] sample : x) {
            for (int c = 0; c < C; c++) {
                for (float[] row : sample[c]) {
                    // channel offsets of different sizes: a group's statistics are not any one channel's
                    for (int w = 0; w < SIDE; w++) row[w] = (float) (3 * Math.sin(c) + 0.5 * r.nextGaussian());
                }
            }
        }
        float[] gamma = new float[C];
        float[] beta = new float[C];
        float[][] scale = new float[N][C];
        float[][] shift = new float[N][C];
        for (int c = 0; c < C; c++) {
            gamma[c] = (float) (1 + 0.1 * r.nextGaussian());
            beta[c] = (float) (0.1 * r.nextGaussian());
            for (int n = 0; n < N; n++) {
                scale[n][c] = (float) (0.2 * r.nextGaussian());
                shift[n][c] = (float) (0.2 * r.nextGaussian());
            }
        }

        SameDiff sd = SameDiff.create();
        Map<String, INDArray> weights = Map.of("gn.weight", Nd4j.createFromArray(gamma), "gn.bias", Nd4j.createFromArray(beta));
        GraphContext g = new GraphContext(sd, (s, key, shape) -> s.hasVariable(key) ? s.getVariable(key) : s.constant(key, weights.get(key)), false);
        SDVariable in = sd.placeHolder("x", DataType.FLOAT, -1, C, SIDE, SIDE);
        g.groupNorm(in, "gn", C, SIDE, GROUPS, EPS).rename("plain");
        SDVariable filmScale = sd.constant("scale", Nd4j.createFromArray(scale).reshape(N, C, 1, 1));
        SDVariable filmShift = sd.constant("shift", Nd4j.createFromArray(shift).reshape(N, C, 1, 1));
        g.groupNormFilm(in, "gn", C, SIDE, GROUPS, EPS, filmScale, filmShift).rename("film");
        Map<String, INDArray> out = sd.output(Map.of("x", Nd4j.createFromArray(x)), "plain", "film");

        int perGroup = C / GROUPS;
        double largest = 0;
        for (int n = 0; n < N; n++) {
            for (int grp = 0; grp < GROUPS; grp++) {
                double sum = 0;
                for (int c = grp * perGroup; c < (grp + 1) * perGroup; c++) {
                    for (float[] row : x[n][c]) for (float v : row) sum += v;
                }
                double mean = sum / (perGroup * SIDE * SIDE);
                double sq = 0;
                for (int c = grp * perGroup; c < (grp + 1) * perGroup; c++) {
                    for (float[] row : x[n][c]) for (float v : row) sq += (v - mean) * (v - mean);
                }
                double rstd = 1 / Math.sqrt(sq / (perGroup * SIDE * SIDE) + EPS);
                for (int c = grp * perGroup; c < (grp + 1) * perGroup; c++) {
                    for (int h = 0; h < SIDE; h++) {
                        for (int w = 0; w < SIDE; w++) {
                            double normed = (x[n][c][h][w] - mean) * rstd * gamma[c] + beta[c];
                            double filmed = normed * (1 + scale[n][c]) + shift[n][c];
                            largest = Math.max(largest, Math.abs(out.get("plain").getDouble(n, c, h, w) - normed));
                            largest = Math.max(largest, Math.abs(out.get("film").getDouble(n, c, h, w) - filmed));
                        }
                    }
                }
            }
        }
        // float32 against double on unit-scale outputs: measured 6.5e-7
        assertThat(largest).isLessThan(1e-5);
    }
}
