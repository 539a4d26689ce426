package org.diffrep.training.probe;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LogisticRegressionTest {

    /** Gaussian blobs around random class centres; {@code spread} controls the overlap. */
    private static Object[] blobs(int n, int d, int k, double spread, long seed) {
        return blobs(n, d, k, spread, seed, seed);
    }

    /** Centres drawn with {@code centreSeed}, points around them with {@code noiseSeed}. */
    private static Object[] blobs(int n, int d, int k, double spread, long centreSeed, long noiseSeed) {
        Random c0 = new Random(centreSeed);
        double[][] centres = new double[k][d];
        for (double[] c : centres) for (int j = 0; j < d; j++) c[j] = c0.nextGaussian() * 3;
        Random r = new Random(noiseSeed);
        double[][] x = new double[n][d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % k;
            for (int j = 0; j < d; j++) x[i][j] = 5 + 2 * (centres[y[i]][j] + spread * r.nextGaussian());
        }
        return new Object[] {Nd4j.createFromArray(x).castTo(DataType.FLOAT), y};
    }

    @Test
    void analyticGradientMatchesFiniteDifferences() {
        Object[] data = blobs(40, 5, 3, 2.0, 1);
        INDArray x = ((INDArray) data[0]).castTo(DataType.DOUBLE);
        int[] y = (int[]) data[1];
        INDArray design = Nd4j.hstack(x, Nd4j.ones(DataType.DOUBLE, x.rows(), 1));
        LogisticRegression.Objective f = new LogisticRegression.Objective(design, y, 3, 0.05);
        Random r = new Random(5);
        double[] w = new double[6 * 3];
        for (int i = 0; i < w.length; i++) w[i] = (r.nextDouble() - 0.5) * 0.2;
        double[] grad = new double[w.length];
        f.evaluate(w, grad);
        double[] scratch = new double[w.length];
        double h = 1e-3;   // the products with X run in float32: the loss carries ~1e-7 relative rounding
        for (int i = 0; i < w.length; i++) {
            double[] plus = w.clone();
            plus[i] += h;
            double[] minus = w.clone();
            minus[i] -= h;
            double numeric = (f.evaluate(plus, scratch) - f.evaluate(minus, scratch)) / (2 * h);
            assertThat(grad[i]).as("dL/dW[%d]", i).isCloseTo(numeric, within(2e-4));
        }
    }

    @Test
    void reachesTheMinimumOfTheConvexObjective() {
        Object[] data = blobs(300, 8, 4, 2.5, 2);
        INDArray x = (INDArray) data[0];
        int[] y = (int[]) data[1];
        LogisticRegression probe = new LogisticRegression(1e-2, 500, 1e-4).fit(x, y, 4);
        assertThat(probe.iterations()).isLessThan(500);
        double best = probe.finalLoss();
        // any perturbation of the solution raises the loss: refit from a different data order gives the same optimum
        int[] order = new int[300];
        for (int i = 0; i < 300; i++) order[i] = (i * 7) % 300;
        INDArray shuffled = x.getRows(order);
        int[] shuffledLabels = new int[300];
        for (int i = 0; i < 300; i++) shuffledLabels[i] = y[order[i]];
        LogisticRegression again = new LogisticRegression(1e-2, 500, 1e-4).fit(shuffled, shuffledLabels, 4);
        assertThat(again.finalLoss()).isCloseTo(best, within(1e-6));
        assertThat(again.logits(x)).matches(l -> l.equalsWithEps(probe.logits(x), 1e-2));
    }

    @Test
    void separatesSeparableClassesAndGeneralises() {
        Object[] train = blobs(200, 10, 5, 0.3, 3);
        LogisticRegression probe = LogisticRegression.standard().fit((INDArray) train[0], (int[]) train[1], 5);
        assertThat(probe.accuracy((INDArray) train[0], (int[]) train[1])).isEqualTo(1.0);
        Object[] test = blobs(100, 10, 5, 0.3, 3, 4);   // same centres, new points
        assertThat(probe.accuracy((INDArray) test[0], (int[]) test[1])).isEqualTo(1.0);
    }

    @Test
    void constantFeaturesDoNotBreakStandardisation() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1, 0}, {1, 1}, {1, 0}, {1, 1}});
        LogisticRegression probe = LogisticRegression.standard().fit(x, new int[] {0, 1, 0, 1}, 2);
        assertThat(probe.accuracy(x, new int[] {0, 1, 0, 1})).isEqualTo(1.0);
        assertThat(Double.isFinite(probe.finalLoss())).isTrue();
    }

    @Test
    void rejectsMismatchedInput() {
        INDArray x = Nd4j.zeros(DataType.FLOAT, 3, 2);
        assertThatThrownBy(() -> LogisticRegression.standard().fit(x, new int[] {0, 1}, 2))
                .hasMessageContaining("n = 2");
        assertThatThrownBy(() -> LogisticRegression.standard().fit(x, new int[] {0, 1, 2}, 2))
                .hasMessageContaining("label 2 of sample 2");
    }
}
