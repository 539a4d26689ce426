package org.diffrep.training.cka;

import org.diffrep.common.UserInputException;
import org.diffrep.model.runtime.MemoryNeed;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Locale;

/**
 * Linear centred kernel alignment between representations of the same n samples,
 * CKA(X, Y) = HSIC(K, L) / √(HSIC(K, K)·HSIC(L, L)) with K = XXᵀ, L = YYᵀ (Kornblith et al. 2019).
 *
 * <p>Two ways to get there, both reading the features as a stream of row blocks (never a whole
 * representation unless it fits the block budget):
 * <ul>
 *   <li>{@link #grams} + {@link #matrix}: the full n×n Gram matrix of every representation (n²
 *   doubles each, 50 MB at n = 2,500), built from products of pairs of row blocks, so the feature
 *   dimension is unbounded; then the {@link Estimator#BIASED biased} estimator (the standard one and
 *   the formula ‖YᵀX‖²_F / (‖XᵀX‖_F‖YᵀY‖_F) on column-centred X, Y that the paper uses) or the
 *   {@link Estimator#UNBIASED unbiased} HSIC of Song et al. 2012.</li>
 *   <li>{@link #minibatch}: the minibatch estimator of Nguyen, Raghu and Kornblith 2021, the
 *   unbiased HSIC averaged over disjoint minibatches before forming the ratio; memory is only a
 *   batch of features and a batch×batch Gram per representation, for any n. It estimates the same
 *   population quantity as the unbiased full-batch value, not the biased one.</li>
 * </ul>
 * Features are centred with their column means (one extra pass) before the float matrix products,
 * so large common offsets do not eat the float precision of the Gram entries.
 */
public final class LinearCka {

    private LinearCka() {}

    public enum Estimator { BIASED, UNBIASED }

    /** A representation of the n samples, readable in row ranges. */
    public interface Rows {
        String label();

        int count();

        int dim();

        /** Writes rows {@code start .. start+n-1} into {@code out} row after row. */
        void read(int start, int n, float[] out);
    }

    /** Floats of the row blocks {@link #minibatch} reads the column means through. */
    private static final long MEANS_BUDGET_FLOATS = 1L << 24;

    /**
     * What {@link #grams} and {@link #matrix} hold at once for {@code representations} representations
     * of {@code n} samples, the widest of {@code widestDim} values: every Gram matrix and its centred
     * copy (n² doubles each), two centred row blocks (Java and ND4J) and their product.
     */
    public static MemoryNeed fullBatchNeed(int representations, int n, long widestDim, long budgetFloats) {
        long rows = Math.min(n, blockRows(widestDim, budgetFloats));
        long heap = MemoryNeed.sum(MemoryNeed.product(2, representations, n, n, Double.BYTES),
                MemoryNeed.product(2, rows, widestDim, Float.BYTES), MemoryNeed.product(rows, rows, Float.BYTES));
        long nativeBytes = MemoryNeed.sum(MemoryNeed.product(2, rows, widestDim, Float.BYTES), MemoryNeed.product(2, rows, rows, Float.BYTES));
        return new MemoryNeed(String.format(Locale.ROOT, "linear CKA of %d representations on %,d images", representations, n), heap,
                nativeBytes, Math.max(MemoryNeed.product(n, n), MemoryNeed.product(rows, widestDim)));
    }

    /**
     * What {@link #minibatch} holds at once: a batch×batch Gram per representation, one centred batch
     * (Java and ND4J) and its product, the column means and the row block they are read through.
     */
    public static MemoryNeed minibatchNeed(int representations, int n, int batch, long widestDim) {
        long b = Math.min(batch, n);
        long meanRows = Math.min(n, blockRows(widestDim, MEANS_BUDGET_FLOATS));
        long heap = MemoryNeed.sum(MemoryNeed.product(representations, b, b, Double.BYTES), MemoryNeed.product(b, b, Float.BYTES),
                MemoryNeed.product(b, widestDim, Float.BYTES), MemoryNeed.product(representations, widestDim, Double.BYTES),
                MemoryNeed.product(meanRows, widestDim, Float.BYTES));
        long nativeBytes = MemoryNeed.sum(MemoryNeed.product(b, widestDim, Float.BYTES), MemoryNeed.product(2, b, b, Float.BYTES));
        return new MemoryNeed(String.format(Locale.ROOT, "minibatch CKA of %d representations in batches of %,d", representations, b), heap,
                nativeBytes, Math.max(MemoryNeed.product(b, Math.max(b, widestDim)), MemoryNeed.product(meanRows, widestDim)));
    }

    /** Rows per block so that two blocks of {@code dim} floats fit in {@code budgetFloats}. */
    public static int blockRows(long dim, long budgetFloats) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, budgetFloats / (2L * dim)));
    }

    static double[] columnMeans(Rows r, int blockRows) {
        int d = r.dim();
        double[] mean = new double[d];
        float[] buf = new float[Math.min(blockRows, r.count()) * d];
        for (int s = 0; s < r.count(); s += blockRows) {
            int n = Math.min(blockRows, r.count() - s);
            r.read(s, n, buf);
            for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mean[j] += buf[i * d + j];
        }
        for (int j = 0; j < d; j++) mean[j] /= r.count();
        return mean;
    }

    private static INDArray centred(Rows r, int start, int n, double[] mean) {
        int d = r.dim();
        float[] buf = new float[n * d];
        r.read(start, n, buf);
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) buf[i * d + j] = (float) (buf[i * d + j] - mean[j]);
        return Nd4j.createFromArray(buf).reshape(n, d);
    }

    /** Gram matrix (row-major n×n doubles) of the column-centred rows, from pairs of blocks of at most {@code blockRows} rows. */
    public static double[] gram(Rows r, int blockRows) {
        int n = r.count();
        double[] mean = columnMeans(r, blockRows);
        double[] k = new double[n * n];
        for (int si = 0; si < n; si += blockRows) {
            int ni = Math.min(blockRows, n - si);
            INDArray xi = centred(r, si, ni, mean);
            for (int sj = si; sj < n; sj += blockRows) {
                int nj = Math.min(blockRows, n - sj);
                INDArray xj = sj == si ? xi : centred(r, sj, nj, mean);
                float[] g = xi.mmul(xj.transpose()).dup('c').data().asFloat();
                for (int a = 0; a < ni; a++) {
                    for (int b = 0; b < nj; b++) {
                        k[(si + a) * n + sj + b] = g[a * nj + b];
                        k[(sj + b) * n + si + a] = g[a * nj + b];
                    }
                }
            }
        }
        return k;
    }

    /** Gram matrices of several representations of the same samples. */
    public static double[][] grams(List<Rows> reps, long budgetFloats) {
        double[][] out = new double[reps.size()][];
        for (int i = 0; i < reps.size(); i++) out[i] = gram(reps.get(i), blockRows(reps.get(i).dim(), budgetFloats));
        return out;
    }

    /** CKA between every pair, from their Gram matrices. */
    public static double[][] matrix(double[][] grams, int n, Estimator e) {
        int m = grams.length;
        double[][] prepared = new double[m][];
        for (int i = 0; i < m; i++) prepared[i] = e == Estimator.BIASED ? doubleCentred(grams[i], n) : grams[i].clone();
        double[][] hsic = new double[m][m];
        for (int a = 0; a < m; a++) {
            for (int b = a; b < m; b++) {
                hsic[a][b] = hsic[b][a] = e == Estimator.BIASED ? dot(prepared[a], prepared[b]) : hsicUnbiased(prepared[a], prepared[b], n);
            }
        }
        return ratio(hsic);
    }

    /** CKA of two Gram matrices. */
    public static double cka(double[] k, double[] l, int n, Estimator e) {
        return matrix(new double[][]{k, l}, n, e)[0][1];
    }

    /**
     * Minibatch CKA (Nguyen et al. 2021): unbiased HSIC of each pair summed over ⌈n / batch⌉ disjoint
     * batches of near-equal size (samples in order), then the ratio. Every batch needs at least 4 samples.
     */
    public static double[][] minibatch(List<Rows> reps, int batch) {
        int n = reps.get(0).count();
        for (Rows r : reps) if (r.count() != n) throw new IllegalArgumentException(r.label() + " has " + r.count() + " rows, not " + n);
        int batches = (n + batch - 1) / batch;
        if (n / batches < 4) throw new UserInputException("minibatches need at least 4 samples: n=" + n + ", batch=" + batch);
        int m = reps.size();
        double[][] means = new double[m][];
        for (int i = 0; i < m; i++) means[i] = columnMeans(reps.get(i), blockRows(reps.get(i).dim(), MEANS_BUDGET_FLOATS));
        double[][] hsic = new double[m][m];
        for (int bi = 0; bi < batches; bi++) {
            int start = (int) ((long) n * bi / batches);
            int size = (int) ((long) n * (bi + 1) / batches) - start;
            double[][] k = new double[m][];
            for (int i = 0; i < m; i++) {
                INDArray x = centred(reps.get(i), start, size, means[i]);
                float[] g = x.mmul(x.transpose()).dup('c').data().asFloat();
                k[i] = new double[g.length];
                for (int j = 0; j < g.length; j++) k[i][j] = g[j];
            }
            for (int a = 0; a < m; a++) for (int b = a; b < m; b++) hsic[a][b] += hsicUnbiased(k[a], k[b], size);
        }
        for (int a = 0; a < m; a++) for (int b = 0; b < a; b++) hsic[a][b] = hsic[b][a];
        return ratio(hsic);
    }

    private static double[][] ratio(double[][] hsic) {
        int m = hsic.length;
        double[][] c = new double[m][m];
        for (int a = 0; a < m; a++) {
            for (int b = 0; b < m; b++) c[a][b] = hsic[a][b] / Math.sqrt(hsic[a][a] * hsic[b][b]);
        }
        return c;
    }

    /** HKH with H = I − 11ᵀ/n. */
    static double[] doubleCentred(double[] k, int n) {
        double[] row = new double[n];
        double all = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) row[i] += k[i * n + j];
            all += row[i];
            row[i] /= n;
        }
        all /= (double) n * n;
        double[] c = new double[n * n];
        // K is symmetric, so column means equal row means
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) c[i * n + j] = k[i * n + j] - row[i] - row[j] + all;
        return c;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /**
     * Song et al. 2012 (Nguyen et al.'s HSIC₁): with K̃, L̃ the Grams with zeroed diagonals,
     * [tr(K̃L̃) + 1ᵀK̃1·1ᵀL̃1 / ((n−1)(n−2)) − 2/(n−2)·1ᵀK̃L̃1] / (n(n−3)).
     */
    static double hsicUnbiased(double[] k, double[] l, int n) {
        if (n < 4) throw new UserInputException("the unbiased HSIC needs at least 4 samples, got " + n);
        double trace = 0;
        double sumK = 0;
        double sumL = 0;
        double cross = 0;
        for (int i = 0; i < n; i++) {
            double rowK = 0;
            double rowL = 0;
            for (int j = 0; j < n; j++) {
                if (i == j) continue;
                double kij = k[i * n + j];
                double lij = l[i * n + j];
                trace += kij * lij;
                rowK += kij;
                rowL += lij;
            }
            sumK += rowK;
            sumL += rowL;
            cross += rowK * rowL;
        }
        return (trace + sumK * sumL / ((n - 1.0) * (n - 2.0)) - 2.0 / (n - 2.0) * cross) / (n * (n - 3.0));
    }
}
