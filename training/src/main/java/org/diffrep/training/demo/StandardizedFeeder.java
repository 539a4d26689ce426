package org.diffrep.training.demo;

import org.diffrep.training.train.Feeder;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Standardises every input element with the mean and standard deviation of the training split
 * (as the reference linear-probe recipe does), so one learning rate suits block features of any
 * scale and raw pixels alike. Constant elements (the padding of raw pixels) become 0.
 */
final class StandardizedFeeder implements Feeder {

    private final Feeder inner;
    private final Map<String, INDArray[]> stats;

    private StandardizedFeeder(Feeder inner, Map<String, INDArray[]> stats) {
        this.inner = inner;
        this.stats = stats;
    }

    /** Statistics from {@code train} (evaluation inputs: one fixed draw per image), applied to both splits. */
    static StandardizedFeeder[] fit(Feeder train, Feeder eval, int batch) {
        Map<String, INDArray> sum = new LinkedHashMap<>();
        Map<String, INDArray> sumSq = new LinkedHashMap<>();
        long count = 0;
        for (int start = 0; start < train.size(); start += batch) {
            int[] idx = range(start, Math.min(train.size(), start + batch));
            Map<String, INDArray> in = train.inputs(idx, EVAL);
            for (Map.Entry<String, INDArray> e : in.entrySet()) {
                INDArray x = e.getValue().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
                sum.merge(e.getKey(), x.sum(true, 0), INDArray::addi);
                sumSq.merge(e.getKey(), x.mul(x).sum(true, 0), INDArray::addi);
            }
            count += in.values().iterator().next().size(0);
        }
        Map<String, INDArray[]> stats = new HashMap<>();
        for (String k : sum.keySet()) {
            INDArray mean = sum.get(k).div(count);
            INDArray var = sumSq.get(k).div(count).subi(mean.mul(mean));
            INDArray std = org.nd4j.linalg.ops.transforms.Transforms.max(var, 0.0).addi(1e-6);
            org.nd4j.linalg.ops.transforms.Transforms.sqrt(std, false);
            stats.put(k, new INDArray[] {mean.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT),
                    std.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)});
        }
        return new StandardizedFeeder[] {new StandardizedFeeder(train, stats), new StandardizedFeeder(eval, stats)};
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }

    @Override
    public String describe() {
        return "standardized(" + inner.describe() + ")";
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public int numClasses() {
        return inner.numClasses();
    }

    @Override
    public int label(int index) {
        return inner.label(index);
    }

    @Override
    public Map<String, INDArray> inputs(int[] indices, int pass) {
        Map<String, INDArray> in = new HashMap<>(inner.inputs(indices, pass));
        in.replaceAll((k, x) -> {
            INDArray[] s = stats.get(k);
            return s == null ? x : x.sub(s[0]).divi(s[1]);
        });
        return in;
    }
}
