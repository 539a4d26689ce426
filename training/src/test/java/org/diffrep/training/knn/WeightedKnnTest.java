package org.diffrep.training.knn;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class WeightedKnnTest {

    /** A bank held in memory; counts the rows read so tests can see it is streamed. */
    static final class ArrayBank implements WeightedKnn.Bank {
        final float[] rows;
        final int[] labels;
        final int dim;
        int largestRead;

        ArrayBank(float[] rows, int[] labels, int dim) {
            this.rows = rows;
            this.labels = labels;
            this.dim = dim;
        }

        @Override
        public int size() {
            return labels.length;
        }

        @Override
        public int dim() {
            return dim;
        }

        @Override
        public int label(int index) {
            return labels[index];
        }

        @Override
        public void read(int start, int count, float[] out) {
            largestRead = Math.max(largestRead, count);
            System.arraycopy(rows, start * dim, out, 0, count * dim);
        }
    }

    // 2-d bank: entries 0 and 3 point the same way (a similarity tie), entry 4 is opposite
    private static final float[] BANK = {1, 0, 0, 1, 1, 1, 2, 0, -1, 0};
    private static final int[] BANK_LABELS = {0, 1, 1, 2, 0};
    private static final double TAU = 0.5;
    private static final double E = Math.exp(1 / TAU);

    private static WeightedKnn.Result tiny(float[] queries, int[] labels, int chunk) {
        return new WeightedKnn(new int[]{1, 2, 3, 10}, TAU, 7).optChunkSize(chunk)
                .evaluate(new ArrayBank(BANK, BANK_LABELS, 2), queries, labels, true);
    }

    @Test
    void handComputedVotesWithTiesAndKLargerThanTheBank() {
        // query (3,0): similarities 1, 0, 1/√2, 1, -1 to bank entries 0..4
        WeightedKnn.Result r = tiny(new float[]{3, 0}, new int[]{0}, 2);
        // k=1: of the tied entries 0 and 3 the lower index wins -> class 0
        assertThat(r.scores().get(1)[0]).containsExactly(new double[]{E, 0, 0, 0, 0, 0, 0}, within(1e-9 * E));
        // k=2: entries 0 and 3 -> classes 0 and 2 tie, which counts against the true class 0
        assertThat(r.scores().get(2)[0]).containsExactly(new double[]{E, 0, E, 0, 0, 0, 0}, within(1e-9 * E));
        double diag = Math.exp(Math.sqrt(0.5) / TAU);
        assertThat(r.scores().get(3)[0]).containsExactly(new double[]{E, diag, E, 0, 0, 0, 0}, within(1e-6 * E));
        // k=10 > bank size 5: every entry votes
        assertThat(r.scores().get(10)[0]).containsExactly(new double[]{E + 1 / E, 1 + diag, E, 0, 0, 0, 0}, within(1e-6 * E));
        assertThat(r.accuracies()).extracting(WeightedKnn.Accuracy::top1).containsExactly(1.0, 0.0, 0.0, 1.0);
        assertThat(r.accuracies()).extracting(WeightedKnn.Accuracy::top5).containsExactly(1.0, 1.0, 1.0, 1.0);
        assertThat(r.accuracies()).extracting(WeightedKnn.Accuracy::effectiveK).containsExactly(1, 2, 3, 5);
    }

    @Test
    void aClassWithoutVotesIsNeverCorrectEvenInTopFive() {
        // query (0,-2): similarity 0 to entries 0, 3, 4 (tied: entry 0 first), negative to 1 and 2
        WeightedKnn.Result r = tiny(new float[]{0, -2, 0, 0}, new int[]{1, 2}, 5);
        assertThat(r.scores().get(1)[0]).containsExactly(1, 0, 0, 0, 0, 0, 0);
        // true class 1 has score 0, as do five other classes: rank 6
        assertThat(r.accuracies().get(0).top1()).isEqualTo(0.0);
        assertThat(r.accuracies().get(0).top5()).isEqualTo(0.0);
        // a zero query has similarity 0 to everything (no NaN from normalising it): the lowest indices win
        assertThat(r.scores().get(2)[1]).containsExactly(1, 1, 0, 0, 0, 0, 0);
        assertThat(r.scores().get(10)[1]).containsExactly(2, 2, 1, 0, 0, 0, 0);
    }

    @Test
    void chunkedEqualsUnchunkedAndABruteForceReference() {
        Random rnd = new Random(3);
        int n = 600;
        int dim = 12;
        int classes = 20;
        float[] bank = new float[n * dim];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rnd.nextInt(classes);
            // every 5th entry repeats an earlier one (ties that straddle chunk borders)
            int src = i % 5 == 4 ? rnd.nextInt(i) : -1;
            for (int j = 0; j < dim; j++) bank[i * dim + j] = src >= 0 ? bank[src * dim + j] : (float) rnd.nextGaussian();
        }
        int q = 40;
        float[] queries = new float[q * dim];
        int[] qLabels = new int[q];
        for (int i = 0; i < q; i++) {
            qLabels[i] = labels[i * 7];
            for (int j = 0; j < dim; j++) queries[i * dim + j] = bank[i * 7 * dim + j] + 0.3f * (float) rnd.nextGaussian();
        }
        int[] ks = {1, 10, 20, 200};
        ArrayBank whole = new ArrayBank(bank, labels, dim);
        WeightedKnn.Result ref = new WeightedKnn(ks, 0.07, classes).optChunkSize(n).evaluate(whole, queries, qLabels, true);
        for (int chunk : List.of(1, 7, 64, 599)) {
            ArrayBank streamed = new ArrayBank(bank, labels, dim);
            WeightedKnn.Result r = new WeightedKnn(ks, 0.07, classes).optChunkSize(chunk).optQueryBlock(16)
                    .evaluate(streamed, queries, qLabels, true);
            assertThat(streamed.largestRead).isEqualTo(chunk);
            assertThat(r.accuracies()).isEqualTo(ref.accuracies());
            for (int k : ks) {
                for (int i = 0; i < q; i++) assertThat(r.scores().get(k)[i]).as("chunk %d k %d query %d", chunk, k, i).isEqualTo(ref.scores().get(k)[i]);
            }
        }
        for (int k : ks) {
            for (int i = 0; i < q; i++) {
                double[] expected = bruteForce(bank, labels, dim, Arrays.copyOfRange(queries, i * dim, (i + 1) * dim), k, 0.07, classes);
                double[] got = ref.scores().get(k)[i];
                for (int c = 0; c < classes; c++) assertThat(got[c]).isCloseTo(expected[c], within(1e-4 * Math.max(1, expected[c])));
            }
        }
        assertThat(ref.accuracies().get(1).top1()).isGreaterThan(0.5);
    }

    /** Double-precision votes from a full sort, the definition the streamed version must match. */
    private static double[] bruteForce(float[] bank, int[] labels, int dim, float[] query, int k, double tau, int classes) {
        int n = labels.length;
        double qn = 0;
        for (float v : query) qn += (double) v * v;
        double[] sim = new double[n];
        for (int i = 0; i < n; i++) {
            double dot = 0;
            double bn = 0;
            for (int j = 0; j < dim; j++) {
                dot += (double) query[j] * bank[i * dim + j];
                bn += (double) bank[i * dim + j] * bank[i * dim + j];
            }
            sim[i] = dot / Math.sqrt(qn * bn);
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -sim[i]).thenComparingInt(i -> i));
        double[] scores = new double[classes];
        for (int i = 0; i < Math.min(k, n); i++) scores[labels[order[i]]] += Math.exp(sim[order[i]] / tau);
        return scores;
    }
}
