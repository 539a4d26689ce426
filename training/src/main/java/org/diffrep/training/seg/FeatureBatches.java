package org.diffrep.training.seg;

import org.diffrep.model.features.FeatureTaps;
import org.diffrep.model.features.Tap;
import org.diffrep.training.train.Feeder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Block features of a split at one t, extracted once and held in memory, with the split's
 * evaluation labels: the input of a {@link SegGraph#onFeatures} graph when many heads are fitted on
 * the same taps (a grid search). No random transform: every iteration sees the same features.
 */
public final class FeatureBatches implements SegBatches {

    private final String description;
    private final Map<Integer, INDArray> features;
    private final List<SegData.Target> targets;

    private FeatureBatches(String description, Map<Integer, INDArray> features, List<SegData.Target> targets) {
        this.description = description;
        this.features = features;
        this.targets = targets;
    }

    /** Extracts the given blocks at step t for every evaluation image of {@code data}, {@code batch} images per forward. */
    public static FeatureBatches extract(FeatureTaps taps, SegData data, int t, List<Integer> blocks, int batch) {
        Map<Integer, List<INDArray>> parts = new LinkedHashMap<>();
        blocks.forEach(b -> parts.put(b, new ArrayList<>()));
        List<SegData.Target> targets = new ArrayList<>();
        List<Tap> wanted = FeatureTaps.grid(List.of(t), blocks);
        for (int start = 0; start < data.size(); start += batch) {
            int[] idx = Feeder.range(start, Math.min(data.size(), start + batch));
            SegData.EvalBatch b = data.evalBatch(idx);
            long[] ids = new long[idx.length];
            for (int i = 0; i < ids.length; i++) ids[i] = data.id(idx[i]);
            Map<Tap, INDArray> out = taps.extract(b.images(), ids, wanted);
            out.forEach((tap, arr) -> parts.get(tap.block()).add(arr));
            targets.addAll(b.targets());
        }
        Map<Integer, INDArray> features = new LinkedHashMap<>();
        parts.forEach((block, list) -> features.put(block, list.size() == 1 ? list.get(0) : Nd4j.concat(0, list.toArray(new INDArray[0]))));
        return new FeatureBatches(data.describe() + ", features at t=" + t + " of blocks " + blocks, features, List.copyOf(targets));
    }

    /** These features restricted to one block (a graph fed only the placeholders it declares). */
    public FeatureBatches block(int block) {
        INDArray f = features.get(block);
        if (f == null) throw new IllegalArgumentException("no features of block " + block);
        return new FeatureBatches(description, Map.of(block, f), targets);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public int size() {
        return targets.size();
    }

    @Override
    public Train train(int[] indices, long iteration) {
        Eval e = eval(indices);
        int n = 0;
        for (SegData.Target t : e.targets()) n += t.labels().length;
        int[] labels = new int[n];
        int at = 0;
        for (SegData.Target t : e.targets()) {
            System.arraycopy(t.labels(), 0, labels, at, t.labels().length);
            at += t.labels().length;
        }
        return new Train(e.inputs(), labels);
    }

    @Override
    public Eval eval(int[] indices) {
        Map<String, INDArray> ph = new LinkedHashMap<>();
        features.forEach((block, all) -> {
            long[] shape = all.shape();
            INDArray rows = Nd4j.pullRows(all.reshape(shape[0], shape[1] * shape[2] * shape[3]), 1, indices);
            ph.put(SegGraph.featureName(block), rows.reshape(indices.length, shape[1], shape[2], shape[3]));
        });
        List<SegData.Target> t = new ArrayList<>();
        for (int i : indices) t.add(targets.get(i));
        return new Eval(ph, t);
    }
}
