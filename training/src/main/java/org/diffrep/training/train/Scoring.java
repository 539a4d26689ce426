package org.diffrep.training.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Labels and scores of a batch of logits, shared by the head trainer and fine-tuning. */
public final class Scoring {
    private Scoring() {}

    /** [n, classes] one-hot labels of the samples {@code idx}. */
    public static INDArray oneHot(Feeder data, int[] idx) {
        INDArray y = Nd4j.zeros(idx.length, data.numClasses());
        for (int i = 0; i < idx.length; i++) y.putScalar(i, data.label(idx[i]), 1f);
        return y;
    }

    /** How many rows rank their label among the top k; ties count against the label, so a constant output is never "correct". */
    public static long topKHits(INDArray logits, Feeder data, int[] idx, int k) {
        long hits = 0;
        long classes = logits.size(1);
        for (int i = 0; i < idx.length; i++) {
            int label = data.label(idx[i]);
            double target = logits.getDouble(i, label);
            int better = 0;
            for (int c = 0; c < classes; c++) {
                if (c != label && logits.getDouble(i, c) >= target) better++;
            }
            if (better < k) hits++;
        }
        return hits;
    }

    /** Summed cross-entropy of the rows against their labels. */
    public static double crossEntropySum(INDArray logits, Feeder data, int[] idx) {
        double sum = 0;
        for (int i = 0; i < idx.length; i++) {
            INDArray row = logits.getRow(i);
            double max = row.maxNumber().doubleValue();
            double lse = max + Math.log(Transforms.exp(row.sub(max), false).sumNumber().doubleValue());
            sum += lse - row.getDouble(data.label(idx[i]));
        }
        return sum;
    }
}
