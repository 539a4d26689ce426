package org.diffrep.training.train;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.diffrep.model.features.Pooling;
import org.diffrep.training.cache.CachedSplit;
import org.diffrep.training.cache.FakeExtractor;
import org.diffrep.training.cache.FeatureCache;
import org.diffrep.training.data.GeneratedSquares;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.probe.FeatureMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Heads with {@code standardize}: the constants are the training split's statistics, saved, and make training blind to feature scale. */
class StandardizedHeadTest {

    @TempDir
    Path dir;

    private static final HeadConfig HEAD = HeadConfig.defaults(HeadKind.ATTENTION, List.of(150), List.of(24), 4)
            .withTransformer(16, 2, 2.0, 1).withPoolCap(4).withStandardize(true);
    private static final TrainConfig ADAM = TrainConfig.builder(0.01, 4).optEpochs(3).optOptimizer(OptimizerKind.ADAM)
            .optWeightDecay(1e-4).optLrSchedule(2, 0.5).optSeed(11).optEvalBatch(8).build();

    private CachedSplit split(String name, int count, long seed) {
        GeneratedSquares images = new GeneratedSquares(16, count, 4, seed);
        return new FeatureCache(dir.resolve("cache-" + name)).optProgress(false)
                .ensure(new FeatureCache.Request(images, List.of(150), List.of(24), b -> Pooling.avg(4), 5, 2, 8), new FakeExtractor());
    }

    private List<EpochMetrics> train(String name, Feeder train, Feeder eval) throws Exception {
        ClassifierGraph g = ClassifierGraph.onFeatures(HEAD, Map.of(24, new ClassifierGraph.Shape(8, 4)), 21);
        return new Trainer(g, train, eval, ADAM, dir.resolve(name), JsonNodeFactory.instance.objectNode()).optProgress(false).run(false);
    }

    @Test
    void constantsAreTheTrainingStatisticsAndGoIntoTheCheckpoint() throws Exception {
        try (CachedSplit train = split("train", 20, 1); CachedSplit eval = split("eval", 8, 2)) {
            train("run", train, eval);
            Checkpoint c = Checkpoint.read(dir.resolve("run").resolve(Trainer.CHECKPOINT));
            ClassifierGraph.Standardization names = ClassifierGraph.standardization(24);
            FeatureStatistics expected = new FeatureStatistics().add(FeatureMatrix.read(train, 7).features());
            assertThat(c.arrays().get(names.mean()).shape()).containsExactly(8, 4, 4);
            assertClose(c.arrays().get(names.mean()), expected.mean());
            assertClose(c.arrays().get(names.std()), expected.std());
        }
    }

    @Test
    void trainingIsBlindToAnAffineRescalingOfTheFeatures() throws Exception {
        try (CachedSplit train = split("train", 20, 1); CachedSplit eval = split("eval", 8, 2)) {
            List<EpochMetrics> plain = train("plain", train, eval);
            List<EpochMetrics> scaled = train("scaled", rescaled(train), rescaled(eval));
            assertThat(plain.get(0).trainLoss()).isNotCloseTo(plain.get(2).trainLoss(), within(1e-4));
            for (int i = 0; i < plain.size(); i++) {
                assertThat(scaled.get(i).trainLoss()).isCloseTo(plain.get(i).trainLoss(), within(1e-3));
                assertThat(scaled.get(i).evalLoss()).isCloseTo(plain.get(i).evalLoss(), within(1e-3));
            }
        }
    }

    @Test
    void headsThatRunTheUNetRefuseStandardisation() {
        assertThatThrownBy(() -> HeadConfig.defaults(HeadKind.DIFFEED, List.of(150), List.of(24), 4).withStandardize(true))
                .hasMessageContaining("cannot be standardised");
    }

    /**
     * The same split with feature j mapped to (1 + 37·(j mod 5))·x − j: a different affine map per
     * feature, which the attention head's own LayerNorm (one mean and variance per map) cannot undo.
     */
    private static Feeder rescaled(Feeder f) {
        return new Feeder() {
            public String describe() {
                return "rescaled " + f.describe();
            }

            public int size() {
                return f.size();
            }

            public int numClasses() {
                return f.numClasses();
            }

            public int label(int index) {
                return f.label(index);
            }

            public Map<String, INDArray> inputs(int[] indices, int pass) {
                Map<String, INDArray> m = new HashMap<>();
                f.inputs(indices, pass).forEach((k, v) -> {
                    long d = v.length() / v.size(0);
                    float[] scale = new float[(int) d];
                    float[] shift = new float[(int) d];
                    for (int j = 0; j < d; j++) {
                        scale[j] = 1 + 37 * (j % 5);
                        shift[j] = -j;
                    }
                    INDArray flat = v.reshape(v.size(0), d).mulRowVector(Nd4j.createFromArray(scale)).addRowVector(Nd4j.createFromArray(shift));
                    m.put(k, flat.reshape(v.shape()));
                });
                return m;
            }
        };
    }

    private static void assertClose(INDArray actual, INDArray expected) {
        double[] a = actual.reshape(-1).toDoubleVector();
        double[] e = expected.reshape(-1).toDoubleVector();
        assertThat(a).hasSameSizeAs(e);
        for (int i = 0; i < a.length; i++) assertThat(a[i]).isCloseTo(e[i], within(1e-5 * (1 + Math.abs(e[i]))));
    }
}
