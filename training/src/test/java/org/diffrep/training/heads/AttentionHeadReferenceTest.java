package org.diffrep.training.heads;

import org.diffrep.training.graph.ClassifierGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The attention head's graph against a plain-loop implementation of the official forward
 * (tokenizer LayerNorm over [C, s, s], 1×1 conv, token order y·s + x, CLS first, pre-norm blocks with
 * [q | k | v] head-major qkv, exact GELU, CLS output → classifier), on the graph's own weights.
 */
class AttentionHeadReferenceTest {

    private static final int N = 2, C = 6, S = 3, D = 8, H = 2, K = 3;

    @Test
    void graphMatchesLoopReference() {
        HeadConfig cfg = HeadConfig.defaults(HeadKind.ATTENTION, List.of(150), List.of(24), K).withTransformer(D, H, 2, 1).withPoolCap(S);
        ClassifierGraph g = ClassifierGraph.onFeatures(cfg, Map.of(24, new ClassifierGraph.Shape(C, S)), 5);
        // non-trivial norms and CLS, so their wiring matters
        Nd4j.getRandom().setSeed(3);
        for (String name : g.trainableNames()) {
            if (name.contains("norm") || name.contains("cls")) g.array(name).addi(Nd4j.randn(g.array(name).shape()).muli(0.3));
        }
        INDArray x = Nd4j.randn(N, C, S, S);
        INDArray logits = g.sameDiff().output(Map.of(ClassifierGraph.featureName(24), x), ClassifierGraph.LOGITS).get(ClassifierGraph.LOGITS);
        double[][] expected = reference(g, x);
        for (int n = 0; n < N; n++) {
            for (int k = 0; k < K; k++) assertThat(logits.getDouble(n, k)).isCloseTo(expected[n][k], org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    private static double[][] reference(ClassifierGraph g, INDArray x) {
        String tok = "head.tokenizer.b24.";
        int len = S * S + 1;
        double[][] out = new double[N][K];
        for (int n = 0; n < N; n++) {
            double mean = 0, var = 0;
            for (int c = 0; c < C; c++) for (int i = 0; i < S; i++) for (int j = 0; j < S; j++) mean += x.getDouble(n, c, i, j);
            mean /= C * S * S;
            for (int c = 0; c < C; c++) for (int i = 0; i < S; i++) for (int j = 0; j < S; j++) var += Math.pow(x.getDouble(n, c, i, j) - mean, 2);
            var /= C * S * S;
            double[][] seq = new double[len][D];
            INDArray cls = g.array("head.cls_token");
            for (int d = 0; d < D; d++) seq[0][d] = cls.getDouble(0, 0, d);
            INDArray lw = g.array(tok + "norm.weight"), lb = g.array(tok + "norm.bias");
            INDArray pw = g.array(tok + "proj.weight"), pb = g.array(tok + "proj.bias");
            for (int i = 0; i < S; i++) {
                for (int j = 0; j < S; j++) {
                    for (int d = 0; d < D; d++) {
                        double v = pb.getDouble(d);
                        for (int c = 0; c < C; c++) {
                            double y = (x.getDouble(n, c, i, j) - mean) / Math.sqrt(var + 1e-5) * lw.getDouble(c, i, j) + lb.getDouble(c, i, j);
                            v += pw.getDouble(d, c, 0, 0) * y;
                        }
                        seq[1 + i * S + j][d] = v;
                    }
                }
            }
            seq = block(g, "head.blocks.0.", seq);
            INDArray cw = g.array("head.classifier.weight"), cb = g.array("head.classifier.bias");
            for (int k = 0; k < K; k++) {
                double v = cb.getDouble(k);
                for (int d = 0; d < D; d++) v += cw.getDouble(k, d) * seq[0][d];
                out[n][k] = v;
            }
        }
        return out;
    }

    private static double[][] block(ClassifierGraph g, String p, double[][] x) {
        int len = x.length, hd = D / H;
        double[][] a = layerNorm(g, p + "norm1.", x);
        double[][] qkv = linear(g, p + "attn.qkv.", a, false);
        double[][] attnOut = new double[len][D];
        for (int h = 0; h < H; h++) {
            for (int t = 0; t < len; t++) {
                double[] w = new double[len];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u < len; u++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) dot += qkv[t][h * hd + e] * qkv[u][D + h * hd + e];
                    w[u] = dot / Math.sqrt(hd);
                    max = Math.max(max, w[u]);
                }
                double sum = 0;
                for (int u = 0; u < len; u++) sum += (w[u] = Math.exp(w[u] - max));
                for (int e = 0; e < hd; e++) {
                    double v = 0;
                    for (int u = 0; u < len; u++) v += w[u] / sum * qkv[u][2 * D + h * hd + e];
                    attnOut[t][h * hd + e] = v;
                }
            }
        }
        double[][] proj = linear(g, p + "attn.proj.", attnOut, true);
        double[][] r = new double[len][D];
        for (int t = 0; t < len; t++) for (int d = 0; d < D; d++) r[t][d] = x[t][d] + proj[t][d];
        double[][] hidden = linear(g, p + "mlp.fc1.", layerNorm(g, p + "norm2.", r), true);
        for (double[] row : hidden) for (int i = 0; i < row.length; i++) row[i] = 0.5 * row[i] * (1 + erf(row[i] / Math.sqrt(2)));
        double[][] mlp = linear(g, p + "mlp.fc2.", hidden, true);
        for (int t = 0; t < len; t++) for (int d = 0; d < D; d++) r[t][d] += mlp[t][d];
        return r;
    }

    private static double[][] layerNorm(ClassifierGraph g, String p, double[][] x) {
        INDArray w = g.array(p + "weight"), b = g.array(p + "bias");
        double[][] y = new double[x.length][x[0].length];
        for (int t = 0; t < x.length; t++) {
            double m = 0, v = 0;
            for (double e : x[t]) m += e;
            m /= x[t].length;
            for (double e : x[t]) v += (e - m) * (e - m);
            v /= x[t].length;
            for (int d = 0; d < x[t].length; d++) y[t][d] = (x[t][d] - m) / Math.sqrt(v + 1e-5) * w.getDouble(d) + b.getDouble(d);
        }
        return y;
    }

    private static double[][] linear(ClassifierGraph g, String p, double[][] x, boolean bias) {
        INDArray w = g.array(p + "weight");
        int out = (int) w.size(0);
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double v = bias ? g.array(p + "bias").getDouble(o) : 0;
                for (int i = 0; i < x[t].length; i++) v += w.getDouble(o, i) * x[t][i];
                y[t][o] = v;
            }
        }
        return y;
    }

    /** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), enough for a 1e-4 comparison. */
    private static double erf(double z) {
        double t = 1 / (1 + 0.3275911 * Math.abs(z));
        double y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-z * z);
        return Math.signum(z) * y;
    }
}
