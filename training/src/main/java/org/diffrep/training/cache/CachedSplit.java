package org.diffrep.training.cache;

import org.diffrep.model.features.Tap;
import org.diffrep.training.data.Seeds;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.train.Feeder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The verified cache files of one split, feeding a {@link ClassifierGraph} built on features
 * ({@link ClassifierGraph#onFeatures}). In training epoch e, image i uses draw
 * hash(seed, e, id_i) mod K; evaluation always uses draw 0.
 */
public final class CachedSplit implements Feeder, AutoCloseable {

    private final FeatureCache.Request request;
    private final Map<Tap, FeatureColumn> files;
    private final ExtractionReport report;
    private final int[] labels;
    private final long[] ids;

    CachedSplit(FeatureCache.Request request, Map<Tap, FeatureColumn> files, ExtractionReport report) {
        this.request = request;
        this.files = files;
        this.report = report;
        FeatureColumn first = files.values().iterator().next();
        this.labels = first.labels();
        this.ids = first.ids();
    }

    /** Channels and stored side per block, to build the head graph on. */
    public Map<Integer, ClassifierGraph.Shape> shapes() {
        Map<Integer, ClassifierGraph.Shape> m = new LinkedHashMap<>();
        int t = request.timesteps().get(0);
        for (int b : request.blocks()) {
            FeatureColumn f = files.get(new Tap(t, b));
            m.put(b, new ClassifierGraph.Shape(f.channels(), f.side()));
        }
        return m;
    }

    /** Every tap's features, as stored (for readers that are not heads: kNN, CKA). */
    public Map<Tap, FeatureColumn> columns() {
        return files;
    }

    /** What filling the cache for this split did. */
    public ExtractionReport report() {
        return report;
    }

    @Override
    public String describe() {
        return "cache(" + request.source().describe() + ")";
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int numClasses() {
        return request.source().numClasses();
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public Map<String, INDArray> inputs(int[] indices, int pass) {
        int[] draw = new int[indices.length];
        if (pass != EVAL) {
            for (int i = 0; i < indices.length; i++) draw[i] = (int) Math.floorMod(Seeds.mix(request.seed(), pass, ids[indices[i]]), (long) request.draws());
        }
        Map<String, INDArray> ph = new HashMap<>();
        int nt = request.timesteps().size();
        for (int b : request.blocks()) {
            FeatureColumn any = files.get(new Tap(request.timesteps().get(0), b));
            int len = any.featureLength();
            float[] values = new float[nt * indices.length * len];
            float[] one = new float[indices.length * len];
            for (int g = 0; g < nt; g++) {
                files.get(new Tap(request.timesteps().get(g), b)).read(indices, draw, one);
                System.arraycopy(one, 0, values, g * one.length, one.length);
            }
            ph.put(ClassifierGraph.featureName(b), Nd4j.createFromArray(values)
                    .reshape((long) nt * indices.length, any.channels(), any.side(), any.side()));
        }
        return ph;
    }

    @Override
    public void close() {
        files.values().forEach(FeatureColumn::close);
    }
}
