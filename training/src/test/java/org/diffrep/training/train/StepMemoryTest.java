package org.diffrep.training.train;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.diffrep.common.UserInputException;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.runtime.MemoryNeed;
import org.diffrep.model.runtime.TrainingStep;
import org.diffrep.training.cache.CachedSplit;
import org.diffrep.training.cache.FakeExtractor;
import org.diffrep.training.cache.FeatureCache;
import org.diffrep.training.data.GeneratedSquares;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** A training step's memory, measured on 1 and 2 images and extrapolated to the run's batch. */
class StepMemoryTest {

    private static final HeadConfig ATTENTION = HeadConfig.defaults(HeadKind.ATTENTION, List.of(10, 50), List.of(4), 10)
            .withTransformer(32, 4, 4.0, 2).withPoolCap(8);

    private static ClassifierGraph attentionGraph() {
        return ClassifierGraph.onFeatures(ATTENTION, Map.of(4, new ClassifierGraph.Shape(16, 8)), 3);
    }

    private static long peakAt(ClassifierGraph graph, int batch) {
        return TrainingStep.measure(graph.sameDiff(), graph.zeroBatch(batch), List.of(ClassifierGraph.LOSS, ClassifierGraph.LOGITS),
                graph.trainableNames()).peakBytes();
    }

    @Test
    void theStepAtALargerBatchIsWhatTwoSmallBatchesPredict() {
        ClassifierGraph graph = attentionGraph();
        TrainingStep.Memory memory = StepMemory.measure(graph);
        // 2 t x 65 tokens (8x8 + CLS) of width 32, 4 heads, MLP x4, 2 blocks: activations grow with the images
        assertThat(memory.bytesPerImage()).isGreaterThan(100_000);
        long measured = peakAt(graph, 16);
        assertThat((double) memory.at(16)).isCloseTo(measured, within(0.05 * measured));
    }

    @Test
    void aBatchOverTheLimitIsRefusedWithTheLargestThatFits() {
        ClassifierGraph graph = attentionGraph();
        TrainingStep.Memory memory = StepMemory.measure(graph);
        long inUse = 100L << 20;
        long room = memory.at(40);
        MemoryNeed.Limits limits = new MemoryNeed.Limits(1L << 30, inUse + room, true);
        assertThatCode(() -> StepMemory.requireFits("the attention head", graph, graph::zeroBatch, StepMemory.CLASSIFIER_OUTPUTS, 40, "--dim", limits, inUse)).doesNotThrowAnyException();
        assertThatThrownBy(() -> StepMemory.requireFits("the attention head", graph, graph::zeroBatch, StepMemory.CLASSIFIER_OUTPUTS, 128, "--dim", limits, inUse))
                .isInstanceOf(UserInputException.class)
                .hasMessageContaining("a training step of the attention head at batch 128")
                .hasMessageContaining("--batch (at most 40 fits), --dim")
                .hasMessageContaining("DIFFREP_MAX_RSS");
    }

    @Test
    void measuringFirstChangesNothingInTheTrainingThatFollows(@TempDir Path dir) throws Exception {
        HeadConfig head = ATTENTION.withTransformer(16, 2, 2.0, 1).withPoolCap(4).withStandardize(true);
        TrainConfig adam = TrainConfig.builder(0.01, 4).optEpochs(2).optOptimizer(OptimizerKind.ADAM).optSeed(11).optEvalBatch(8).build();
        FeatureCache cache = new FeatureCache(dir.resolve("cache")).optProgress(false);
        try (CachedSplit train = cache.ensure(new FeatureCache.Request(new GeneratedSquares(16, 20, 10, 1), List.of(10, 50), List.of(4),
                b -> Pooling.avg(4), 5, 2, 8), new FakeExtractor());
             CachedSplit eval = cache.ensure(new FeatureCache.Request(new GeneratedSquares(16, 8, 10, 2), List.of(10, 50), List.of(4),
                b -> Pooling.avg(4), 5, 2, 8), new FakeExtractor())) {
            List<List<EpochMetrics>> runs = new ArrayList<>();
            for (boolean measured : new boolean[]{false, true}) {
                ClassifierGraph g = ClassifierGraph.onFeatures(head, Map.of(4, new ClassifierGraph.Shape(8, 4)), 21);
                if (measured) StepMemory.measure(g);
                runs.add(new Trainer(g, train, eval, adam, dir.resolve("run-" + measured), JsonNodeFactory.instance.objectNode())
                        .optProgress(false).run(false));
            }
            assertThat(runs.get(1)).usingRecursiveFieldByFieldElementComparatorIgnoringFields("seconds").isEqualTo(runs.get(0));
        }
    }

    @Test
    void theLinearModelOfABatchAndTheLargestBatchWithinABudget() {
        TrainingStep.Memory m = TrainingStep.Memory.fit(1, 1_100, 2, 1_200);
        assertThat(m.fixedBytes()).isEqualTo(1_000);
        assertThat(m.bytesPerImage()).isEqualTo(100);
        assertThat(m.at(128)).isEqualTo(13_800);
        assertThat(m.largestBatchWithin(13_800)).isEqualTo(128);
        assertThat(m.largestBatchWithin(13_799)).isEqualTo(127);
        assertThat(m.largestBatchWithin(1_099)).isZero();
        assertThat(m.at(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }
}
