package org.diffrep.training.probe;

import org.diffrep.training.train.Feeder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A whole split of a {@link Feeder} in memory, for full-batch probes: the evaluation inputs of every
 * sample ({@link Feeder#EVAL}: fixed noise, first cached draw) and their labels. A feeder with one
 * input keeps its shape ([n, c, h, w] for block features); several inputs are flattened and
 * concatenated in name order.
 */
public record FeatureMatrix(INDArray features, int[] labels, int numClasses) {

    public static FeatureMatrix read(Feeder feeder, int batch) {
        List<INDArray> parts = new ArrayList<>();
        for (int start = 0; start < feeder.size(); start += batch) {
            int[] idx = Feeder.range(start, Math.min(start + batch, feeder.size()));
            Map<String, INDArray> in = new TreeMap<>(feeder.inputs(idx, Feeder.EVAL));
            if (in.size() == 1) {
                parts.add(in.values().iterator().next());
            } else {
                parts.add(Nd4j.hstack(in.values().stream().map(x -> x.reshape(x.size(0), -1)).toArray(INDArray[]::new)));
            }
        }
        int[] labels = new int[feeder.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = feeder.label(i);
        return new FeatureMatrix(Nd4j.concat(0, parts.toArray(INDArray[]::new)), labels, feeder.numClasses());
    }

    /** [n, d]: every sample's features as one vector. */
    public INDArray flat() {
        return features.reshape(features.size(0), -1);
    }

    /** [n, c]: block features [n, c, h, w] averaged over space (global average pooling). */
    public INDArray spatialMean() {
        if (features.rank() != 4) throw new IllegalStateException("spatial mean needs [n, c, h, w] features, got rank " + features.rank());
        return features.mean(2, 3);
    }

    /** Top-1 accuracy (%) on {@code eval} of {@code probe} fitted on {@code train}'s {@code view}. */
    public static double probeTop1(LogisticRegression probe, FeatureMatrix train, FeatureMatrix eval, Function<FeatureMatrix, INDArray> view) {
        probe.fit(view.apply(train), train.labels(), train.numClasses());
        return 100 * probe.accuracy(view.apply(eval), eval.labels());
    }
}
