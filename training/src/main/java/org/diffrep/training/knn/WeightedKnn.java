package org.diffrep.training.knn;

import org.diffrep.common.UserInputException;
import org.diffrep.model.runtime.MemoryNeed;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Weighted cosine k-nearest-neighbour classification (InstDisc/DINO protocol): features are
 * L2-normalised, the k most similar memory-bank entries vote for their class with weight
 * exp(sim/τ), classes are ranked by their summed votes.
 *
 * <p>The bank is streamed in chunks and only the running k_max best neighbours of every query are
 * kept, so memory is queries + one chunk + n_queries·k_max, never the bank. Similarities come from
 * a float matrix product, whose rounding depends on where a row sits in the product (identical rows
 * can differ by an ulp); it only screens candidates. Every candidate within the product's worst-case
 * rounding bound of the current k-th best gets its similarity recomputed in double precision,
 * which is a function of the two vectors alone. Neighbours with equal similarity are ordered by
 * bank index (lower first); chunks arrive in index order, so a later candidate enters only on a
 * strictly higher similarity and any chunk size selects exactly the same neighbours with exactly
 * the same similarities. A class ranks above the true class when its score is greater or equal
 * (ties count against the prediction, so an image with no votes for any class is never correct).
 */
public final class WeightedKnn {

    /** A labelled memory bank readable in index ranges. */
    public interface Bank {
        int size();

        int dim();

        int label(int index);

        /** Writes rows {@code start .. start+count-1} (raw, not normalised) into {@code out} row after row. */
        void read(int start, int count, float[] out);
    }

    /** Accuracy for one k; {@code effectiveK} is min(k, bank size). */
    public record Accuracy(int k, int effectiveK, double top1, double top5) {}

    /** Class scores of every query for one k ([query][class]) and the resulting accuracies. */
    public record Result(double temperature, int queries, int bankSize, List<Accuracy> accuracies, Map<Integer, double[][]> scores) {}

    private final int[] ks;
    private final double temperature;
    private final int numClasses;
    private int chunkSize = 8192;
    private int queryBlock = 1024;

    public WeightedKnn(int[] ks, double temperature, int numClasses) {
        if (ks.length == 0) throw new UserInputException("no k given");
        for (int k : ks) if (k < 1) throw new UserInputException("k must be >= 1, got " + k);
        if (!(temperature > 0)) throw new UserInputException("temperature must be positive");
        this.ks = ks.clone();
        this.temperature = temperature;
        this.numClasses = numClasses;
    }

    /** Bank rows read and multiplied at once (memory: chunk·dim floats plus queryBlock·chunk similarities). */
    public WeightedKnn optChunkSize(int rows) {
        if (rows < 1) throw new IllegalArgumentException("chunk size must be >= 1");
        this.chunkSize = rows;
        return this;
    }

    public WeightedKnn optQueryBlock(int rows) {
        if (rows < 1) throw new IllegalArgumentException("query block must be >= 1");
        this.queryBlock = rows;
        return this;
    }

    /**
     * What {@link #evaluate} holds at once for {@code queries} queries against a bank of {@code bankSize}
     * rows of {@code dim} features: the queries (as given, normalised, and as an ND4J matrix), one chunk
     * of bank rows (Java and ND4J), the similarities of one query block against it (ND4J product, its
     * copy and the Java copy), and the k_max running neighbours (similarity and index) of every query.
     */
    public MemoryNeed memoryNeed(int queries, int bankSize, long dim) {
        long chunk = Math.min(chunkSize, Math.max(1, bankSize));
        long block = Math.min(queryBlock, Math.max(1, queries));
        int kMax = Arrays.stream(ks).max().orElseThrow();
        long heap = MemoryNeed.sum(MemoryNeed.product(2, queries, dim, Float.BYTES), MemoryNeed.product(chunk, dim, Float.BYTES),
                MemoryNeed.product(block, chunk, Float.BYTES), MemoryNeed.product(queries, kMax, Double.BYTES + Integer.BYTES));
        long nativeBytes = MemoryNeed.sum(MemoryNeed.product(queries, dim, Float.BYTES), MemoryNeed.product(chunk, dim, Float.BYTES),
                MemoryNeed.product(2, block, chunk, Float.BYTES));
        return new MemoryNeed(String.format(Locale.ROOT, "kNN of %,d queries against %,d bank images of %,d features", queries, bankSize, dim),
                heap, nativeBytes, Math.max(MemoryNeed.product(queries, dim), MemoryNeed.product(chunk, dim)));
    }

    /**
     * @param queries     [n, dim] row-major, raw features
     * @param labels      true class of each query
     * @param keepScores  also return the per-class scores (n × classes doubles per k)
     */
    public Result evaluate(Bank bank, float[] queries, int[] labels, boolean keepScores) {
        int dim = bank.dim();
        int n = labels.length;
        if ((long) n * dim != queries.length) throw new IllegalArgumentException("queries hold " + queries.length + " values, expected " + n + "×" + dim);
        int kMax = Arrays.stream(ks).max().orElseThrow();
        Neighbours nb = new Neighbours(n, kMax, dim);
        float[] qNorm = normalised(queries.clone(), dim);
        INDArray q = Nd4j.createFromArray(qNorm).reshape(n, dim);
        int[] bankLabels = new int[bank.size()];
        float[] chunk = new float[Math.min(chunkSize, Math.max(1, bank.size())) * dim];
        for (int start = 0; start < bank.size(); start += chunkSize) {
            int count = Math.min(chunkSize, bank.size() - start);
            float[] rows = count * dim == chunk.length ? chunk : new float[count * dim];
            bank.read(start, count, rows);
            for (int i = 0; i < count; i++) bankLabels[start + i] = bank.label(start + i);
            INDArray keysT = Nd4j.createFromArray(normalised(rows, dim)).reshape(count, dim).transpose();
            for (int qs = 0; qs < n; qs += queryBlock) {
                int qn = Math.min(queryBlock, n - qs);
                INDArray qb = qn == n ? q : q.get(NDArrayIndex.interval(qs, qs + qn));
                float[] sims = qb.mmul(keysT).dup('c').data().asFloat();
                for (int i = 0; i < qn; i++) nb.offer(qs + i, qNorm, sims, i * count, rows, count, start);
            }
        }
        List<Accuracy> acc = new ArrayList<>();
        Map<Integer, double[][]> scores = new LinkedHashMap<>();
        for (int k : ks) {
            int eff = Math.min(k, bank.size());
            long top1 = 0;
            long top5 = 0;
            double[][] all = keepScores ? new double[n][] : null;
            for (int i = 0; i < n; i++) {
                double[] s = nb.vote(i, eff, bankLabels, numClasses, temperature);
                int rank = rank(s, labels[i]);
                if (rank < 1) top1++;
                if (rank < 5) top5++;
                if (all != null) all[i] = s;
            }
            acc.add(new Accuracy(k, eff, n == 0 ? 0 : (double) top1 / n, n == 0 ? 0 : (double) top5 / n));
            if (all != null) scores.put(k, all);
        }
        return new Result(temperature, n, bank.size(), acc, scores);
    }

    /** Classes other than {@code label} scoring at least as high as it. */
    static int rank(double[] scores, int label) {
        int better = 0;
        for (int c = 0; c < scores.length; c++) if (c != label && scores[c] >= scores[label]) better++;
        return better;
    }

    /** L2-normalises each row in place; an all-zero row stays zero (similarity 0 to everything). */
    static float[] normalised(float[] rows, int dim) {
        for (int r = 0; r < rows.length / dim; r++) {
            double ss = 0;
            for (int j = 0; j < dim; j++) ss += (double) rows[r * dim + j] * rows[r * dim + j];
            if (ss == 0) continue;
            float inv = (float) (1 / Math.sqrt(ss));
            for (int j = 0; j < dim; j++) rows[r * dim + j] *= inv;
        }
        return rows;
    }

    /** The k_max most similar bank entries of every query, as a min-heap on (similarity, -index). */
    private static final class Neighbours {
        private final int kMax;
        private final int dim;
        private final double screen;
        private final double[] sim;
        private final int[] idx;
        private final int[] count;

        Neighbours(int queries, int kMax, int dim) {
            this.kMax = kMax;
            this.dim = dim;
            // |float dot - exact dot| <= γ_d = d·u/(1-d·u) for unit vectors, in any summation order; doubled for margin
            double du = dim * Math.ulp(1f) / 2;
            this.screen = 2 * du / (1 - du);
            this.sim = new double[queries * kMax];
            this.idx = new int[queries * kMax];
            this.count = new int[queries];
        }

        void offer(int query, float[] queries, float[] approx, int from, float[] rows, int len, int firstIndex) {
            int base = query * kMax;
            for (int j = 0; j < len; j++) {
                if (count[query] < kMax) {
                    int pos = count[query]++;
                    sim[base + pos] = dot(queries, query, rows, j);
                    idx[base + pos] = firstIndex + j;
                    siftUp(base, pos);
                } else if (approx[from + j] > sim[base] - screen) {
                    double s = dot(queries, query, rows, j);
                    if (s > sim[base]) {
                        sim[base] = s;
                        idx[base] = firstIndex + j;
                        siftDown(base, kMax);
                    }
                }
            }
        }

        private double dot(float[] a, int rowA, float[] b, int rowB) {
            double s = 0;
            int oa = rowA * dim;
            int ob = rowB * dim;
            for (int i = 0; i < dim; i++) s += (double) a[oa + i] * b[ob + i];
            return s;
        }

        /** Heap order: the root is the worst neighbour (lowest similarity, then highest index). */
        private boolean worse(int a, int b) {
            return sim[a] < sim[b] || (sim[a] == sim[b] && idx[a] > idx[b]);
        }

        private void siftUp(int base, int pos) {
            while (pos > 0) {
                int parent = (pos - 1) / 2;
                if (!worse(base + pos, base + parent)) break;
                swap(base + pos, base + parent);
                pos = parent;
            }
        }

        private void siftDown(int base, int size) {
            int pos = 0;
            while (true) {
                int l = 2 * pos + 1;
                int r = l + 1;
                int w = pos;
                if (l < size && worse(base + l, base + w)) w = l;
                if (r < size && worse(base + r, base + w)) w = r;
                if (w == pos) return;
                swap(base + pos, base + w);
                pos = w;
            }
        }

        private void swap(int a, int b) {
            double s = sim[a];
            sim[a] = sim[b];
            sim[b] = s;
            int i = idx[a];
            idx[a] = idx[b];
            idx[b] = i;
        }

        /** Class scores from the best {@code k} neighbours of a query. */
        double[] vote(int query, int k, int[] bankLabels, int classes, double temperature) {
            int base = query * kMax;
            int c = count[query];
            Integer[] order = new Integer[c];
            for (int i = 0; i < c; i++) order[i] = base + i;
            Arrays.sort(order, (a, b) -> worse(a, b) ? 1 : worse(b, a) ? -1 : 0);
            double[] scores = new double[classes];
            for (int i = 0; i < Math.min(k, c); i++) {
                int e = order[i];
                scores[bankLabels[idx[e]]] += Math.exp(sim[e] / temperature);
            }
            return scores;
        }
    }
}
