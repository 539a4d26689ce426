package org.diffrep.training.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Per-feature mean and standard deviation over samples, accumulated batch by batch in double
 * precision (Chan et al.'s pairwise merge of means and sums of squared deviations), so a split
 * larger than memory can be measured. The standard deviation is the population one plus
 * {@link #EPSILON}, the rule every standardised input in diffrep follows (linear probes and heads).
 */
public final class FeatureStatistics {

    /** Added to every standard deviation so that constant features divide by a small number, not 0. */
    public static final double EPSILON = 1e-6;

    private long[] featureShape;
    private double[] mean;
    private double[] m2;
    private long count;

    /** Adds a batch [n, ...]: every index after the first is one feature. */
    public FeatureStatistics add(INDArray batch) {
        long n = batch.size(0);
        if (n == 0) return this;
        long[] shape = Arrays.copyOfRange(batch.shape(), 1, batch.rank());
        INDArray rows = batch.reshape(n, -1).castTo(DataType.DOUBLE);
        INDArray centred = rows.subRowVector(rows.mean(true, 0));
        double[] batchMean = rows.mean(0).toDoubleVector();
        double[] batchM2 = centred.muli(centred).sum(0).toDoubleVector();
        int d = batchMean.length;
        if (featureShape == null) {
            featureShape = shape;
            mean = new double[d];
            m2 = new double[d];
        } else if (!Arrays.equals(featureShape, shape)) {
            throw new IllegalArgumentException("feature shape " + Arrays.toString(shape) + " after " + Arrays.toString(featureShape));
        }
        long total = count + n;
        for (int j = 0; j < d; j++) {
            double delta = batchMean[j] - mean[j];
            mean[j] += delta * n / total;
            m2[j] += batchM2[j] + delta * delta * count * n / total;
        }
        count += n;
        return this;
    }

    public long count() {
        return count;
    }

    /** Mean per feature, in the shape of one sample, float32. */
    public INDArray mean() {
        requireSamples();
        return Nd4j.createFromArray(mean).reshape(featureShape).castTo(DataType.FLOAT);
    }

    /** Population standard deviation + {@link #EPSILON} per feature, in the shape of one sample, float32. */
    public INDArray std() {
        requireSamples();
        double[] s = new double[m2.length];
        for (int j = 0; j < s.length; j++) s[j] = Math.sqrt(m2[j] / count) + EPSILON;
        return Nd4j.createFromArray(s).reshape(featureShape).castTo(DataType.FLOAT);
    }

    private void requireSamples() {
        if (count == 0) throw new IllegalStateException("no samples were added");
    }
}
