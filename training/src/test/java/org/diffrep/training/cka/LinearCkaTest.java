package org.diffrep.training.cka;

import org.diffrep.common.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LinearCkaTest {

    record ArrayRows(String label, float[] data, int count, int dim) implements LinearCka.Rows {
        @Override
        public void read(int start, int n, float[] out) {
            System.arraycopy(data, start * dim, out, 0, n * dim);
        }
    }

    private static final int N = 40;

    private static float[] gaussian(Random r, int n, int d, double offset) {
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) (offset + r.nextGaussian());
        return x;
    }

    /** Y depends on X nonlinearly plus noise, so CKA(X, Y) is strictly between 0 and 1. */
    private static float[] related(float[] x, int d, Random r, int dOut) {
        float[] y = new float[N * dOut];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < dOut; j++) {
                double v = Math.tanh(x[i * d + j % d] + 0.5 * x[i * d + (j + 1) % d]) + 0.4 * r.nextGaussian();
                y[i * dOut + j] = (float) v;
            }
        }
        return y;
    }

    private static double[] gram(float[] x, int d) {
        return LinearCka.gram(new ArrayRows("x", x, N, d), N);
    }

    private static double biased(float[] x, int dx, float[] y, int dy) {
        return LinearCka.cka(gram(x, dx), gram(y, dy), N, LinearCka.Estimator.BIASED);
    }

    /** ‖YcᵀXc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F) straight from the definition, in double. */
    private static double direct(float[] x, int dx, float[] y, int dy) {
        double[][] xc = centred(x, dx);
        double[][] yc = centred(y, dy);
        return frob2(cross(yc, xc)) / Math.sqrt(frob2(cross(xc, xc)) * frob2(cross(yc, yc)));
    }

    private static double[][] centred(float[] x, int d) {
        int n = x.length / d;
        double[][] c = new double[n][d];
        for (int j = 0; j < d; j++) {
            double m = 0;
            for (int i = 0; i < n; i++) m += x[i * d + j];
            m /= n;
            for (int i = 0; i < n; i++) c[i][j] = x[i * d + j] - m;
        }
        return c;
    }

    private static double[][] cross(double[][] a, double[][] b) {
        double[][] out = new double[a[0].length][b[0].length];
        for (int i = 0; i < a.length; i++) for (int p = 0; p < a[0].length; p++) for (int q = 0; q < b[0].length; q++) out[p][q] += a[i][p] * b[i][q];
        return out;
    }

    private static double frob2(double[][] m) {
        double s = 0;
        for (double[] row : m) for (double v : row) s += v * v;
        return s;
    }

    @Test
    void knownValueForOneDimensionalFeaturesIsTheSquaredCorrelation() {
        // x = 1..4, y = x²: r² = 25² / (5 · 129)
        float[] x = {1, 2, 3, 4};
        float[] y = {1, 4, 9, 16};
        double[] k = LinearCka.gram(new ArrayRows("x", x, 4, 1), 4);
        double[] l = LinearCka.gram(new ArrayRows("y", y, 4, 1), 4);
        assertThat(LinearCka.cka(k, l, 4, LinearCka.Estimator.BIASED)).isCloseTo(625.0 / 645.0, within(1e-12));
    }

    @Test
    void matchesTheDirectFullBatchFormulaAndIsSymmetric() {
        Random r = new Random(1);
        float[] x = gaussian(r, N, 10, 3.0);
        float[] y = related(x, 10, r, 6);
        double expected = direct(x, 10, y, 6);
        assertThat(expected).isBetween(0.1, 0.9);
        assertThat(biased(x, 10, y, 6)).isCloseTo(expected, within(1e-6));
        double[][] m = LinearCka.matrix(new double[][]{gram(x, 10), gram(y, 6)}, N, LinearCka.Estimator.BIASED);
        assertThat(m[0][1]).isEqualTo(m[1][0]);
        double[][] u = LinearCka.matrix(new double[][]{gram(x, 10), gram(y, 6)}, N, LinearCka.Estimator.UNBIASED);
        assertThat(u[0][1]).isEqualTo(u[1][0]);
    }

    @Test
    void ckaOfARepresentationWithItselfIsOne() {
        Random r = new Random(2);
        float[] x = gaussian(r, N, 7, -2.0);
        LinearCka.Rows a = new ArrayRows("a", x, N, 7);
        LinearCka.Rows b = new ArrayRows("b", x.clone(), N, 7);
        for (LinearCka.Estimator e : LinearCka.Estimator.values()) {
            double[][] m = LinearCka.matrix(LinearCka.grams(List.of(a, b), 1 << 20), N, e);
            assertThat(m[0][1]).as(e.name()).isCloseTo(1.0, within(1e-12));
        }
        assertThat(LinearCka.minibatch(List.of(a, b), 10)[0][1]).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void invariantToOrthogonalTransformsAndIsotropicScaling() {
        Random r = new Random(3);
        int d = 8;
        float[] x = gaussian(r, N, d, 0.5);
        float[] y = related(x, d, r, 5);
        double[][] q = randomOrthogonal(d, r);
        float[] xq = new float[N * d];
        float[] xs = new float[N * d];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int p = 0; p < d; p++) s += x[i * d + p] * q[p][j];
                xq[i * d + j] = (float) s;
                xs[i * d + j] = 3.7f * x[i * d + j];
            }
        }
        for (LinearCka.Estimator e : LinearCka.Estimator.values()) {
            double base = LinearCka.cka(gram(x, d), gram(y, 5), N, e);
            assertThat(LinearCka.cka(gram(xq, d), gram(y, 5), N, e)).as(e.name()).isCloseTo(base, within(1e-5));
            assertThat(LinearCka.cka(gram(xs, d), gram(y, 5), N, e)).as(e.name()).isCloseTo(base, within(1e-5));
        }
    }

    private static double[][] randomOrthogonal(int d, Random r) {
        double[][] q = new double[d][d];
        for (int j = 0; j < d; j++) {
            double[] v = new double[d];
            for (int i = 0; i < d; i++) v[i] = r.nextGaussian();
            for (int k = 0; k < j; k++) {
                double dot = 0;
                for (int i = 0; i < d; i++) dot += v[i] * q[i][k];
                for (int i = 0; i < d; i++) v[i] -= dot * q[i][k];
            }
            double norm = 0;
            for (double vi : v) norm += vi * vi;
            for (int i = 0; i < d; i++) q[i][j] = v[i] / Math.sqrt(norm);
        }
        return q;
    }

    @Test
    void streamedGramFromSmallBlocksEqualsTheFullBatchOne() {
        Random r = new Random(4);
        float[] x = gaussian(r, N, 9, 10.0);
        float[] y = related(x, 9, r, 4);
        ArrayRows rx = new ArrayRows("x", x, N, 9);
        ArrayRows ry = new ArrayRows("y", y, N, 4);
        double[] kFull = LinearCka.gram(rx, N);
        double[] kStream = LinearCka.gram(rx, 3);
        for (int i = 0; i < kFull.length; i++) assertThat(kStream[i]).isCloseTo(kFull[i], within(1e-5 * Math.max(1, Math.abs(kFull[i]))));
        double full = LinearCka.cka(kFull, LinearCka.gram(ry, N), N, LinearCka.Estimator.BIASED);
        double streamed = LinearCka.cka(kStream, LinearCka.gram(ry, 7), N, LinearCka.Estimator.BIASED);
        assertThat(streamed).isCloseTo(full, within(1e-6));
        assertThat(full).isCloseTo(direct(x, 9, y, 4), within(1e-6));
    }

    @Test
    void minibatchOfTheWholeSetIsTheUnbiasedFullBatchValue() {
        Random r = new Random(5);
        float[] x = gaussian(r, N, 6, 1.0);
        float[] y = related(x, 6, r, 6);
        List<LinearCka.Rows> reps = List.of(new ArrayRows("x", x, N, 6), new ArrayRows("y", y, N, 6));
        double unbiased = LinearCka.cka(gram(x, 6), gram(y, 6), N, LinearCka.Estimator.UNBIASED);
        assertThat(LinearCka.minibatch(reps, N)[0][1]).isCloseTo(unbiased, within(1e-9));
        double[][] mb = LinearCka.minibatch(reps, 10);
        assertThat(mb[0][1]).isEqualTo(mb[1][0]).isBetween(0.0, 1.0);
        assertThatThrownBy(() -> LinearCka.minibatch(reps, 3)).hasMessageContaining("at least 4");
    }

    @Test
    void readsFloat32AndFloat64NpyFilesRowByRow(@TempDir Path dir) throws IOException {
        float[] values = new float[5 * 6];
        for (int i = 0; i < values.length; i++) values[i] = i * 0.25f - 3;
        Path f4 = dir.resolve("mae_block8.npy");
        writeNpy(f4, "<f4", "(5, 2, 3)", values, 4);
        Path f8 = dir.resolve("resnet.npy");
        writeNpy(f8, "<f8", "(5, 6)", values, 8);
        for (Path p : List.of(f4, f8)) {
            try (NpyFile npy = NpyFile.open(p, null)) {
                assertThat(npy.count()).isEqualTo(5);
                assertThat(npy.dim()).isEqualTo(6);
                float[] rows = new float[12];
                npy.read(2, 2, rows);
                for (int i = 0; i < 12; i++) assertThat(rows[i]).isEqualTo(values[12 + i]);
            }
        }
        try (NpyFile npy = NpyFile.open(f4, null)) {
            assertThat(npy.label()).isEqualTo("mae_block8");
        }
        Path ints = dir.resolve("ints.npy");
        writeNpy(ints, "<i4", "(5, 6)", values, 4);
        assertThatThrownBy(() -> NpyFile.open(ints, null)).isInstanceOf(UserInputException.class)
                .hasMessage(ints + ": dtype int32; expected " + NpyFile.EXPECTED);
    }

    @Test
    void aFileThatIsNotAFloatNpyArrayIsOneLineNamingItAndWhatIsExpected(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("missing.npy");
        assertThatThrownBy(() -> NpyFile.open(missing, null)).isInstanceOf(UserInputException.class)
                .hasMessage(missing + ": no such file; expected " + NpyFile.EXPECTED);
        Path csv = Files.writeString(dir.resolve("features.csv"), "0.1,0.2\n0.3,0.4\n");
        assertThatThrownBy(() -> NpyFile.open(csv, null)).isInstanceOf(UserInputException.class)
                .hasMessageStartingWith(csv.toString()).hasMessageContaining("no .npy magic").hasMessageEndingWith("; expected " + NpyFile.EXPECTED);
        Path vector = dir.resolve("vector.npy");
        writeNpy(vector, "<f4", "(6,)", new float[6], 4);
        assertThatThrownBy(() -> NpyFile.open(vector, null)).isInstanceOf(UserInputException.class)
                .hasMessage(vector + ": shape [6]; expected " + NpyFile.EXPECTED);
        for (Path p : List.of(missing, csv, vector)) {
            assertThatThrownBy(() -> NpyFile.open(p, null)).satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    private static void writeNpy(Path file, String descr, String shape, float[] values, int item) throws IOException {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int pad = 64 - (10 + dict.length() + 1) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + values.length * item).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        for (float v : values) {
            if (item == 8) b.putDouble(v);
            else b.putFloat(v);
        }
        Files.write(file, b.array());
    }
}
