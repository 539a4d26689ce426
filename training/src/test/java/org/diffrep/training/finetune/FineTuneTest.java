package org.diffrep.training.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.runtime.TrainingStep;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.data.GeneratedSquares;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.train.EpochMetrics;
import org.diffrep.training.train.ImageFeeder;
import org.diffrep.training.train.StepMemory;
import org.diffrep.training.train.TrainConfig;
import org.diffrep.training.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.VariableType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FineTuneTest {

    private static final List<Integer> T = List.of(50);

    @Test
    void aFineTuningStepIsMeasuredThroughTheUnfrozenBackbone() {
        FineTuneGraph g = FineTuneGraph.build(HeadConfig.defaults(HeadKind.LINEAR, T, List.of(5), 2), AdmConfigs.get("adm-tiny"),
                TestFixtures.admTinyWeights()::get, 2, 0);
        TrainingStep.Memory memory = StepMemory.measure(g, g::zeroBatch, StepMemory.CLASSIFIER_OUTPUTS);
        long measured = TrainingStep.measure(g.sameDiff(), g.zeroBatch(6), List.of(ClassifierGraph.LOSS, ClassifierGraph.LOGITS),
                g.trainableNames()).peakBytes();
        // 64 px images through blocks 1..5 with gradients for blocks 3..5: megabytes per image
        assertThat(memory.bytesPerImage()).isGreaterThan(1L << 20);
        assertThat((double) memory.at(6)).isCloseTo(measured, org.assertj.core.api.Assertions.within(0.05 * measured));
    }

    @Test
    void unfrozenWeightsMoveFrozenOnesStayBitIdenticalAndResumeContinues(@TempDir Path dir) throws Exception {
        AdmConfig config = AdmConfigs.get("adm-tiny");
        StateDict weights = TestFixtures.admTinyWeights();
        HeadConfig head = HeadConfig.defaults(HeadKind.LINEAR, T, List.of(5), 2);
        FineTuneGraph g = FineTuneGraph.build(head, config, weights::get, 2, 0);

        // blocks 6..37 are never built; 1..2 and the time embedding are constants
        assertThat(g.sameDiff().hasVariable("input_blocks.5.0.in_layers.2.weight")).isFalse();
        assertThat(g.frozenNames()).contains("time_embed.0.weight", "input_blocks.0.0.weight", "input_blocks.1.0.out_layers.3.weight")
                .noneMatch(k -> k.startsWith("input_blocks.2."));
        assertThat(g.backboneNames()).contains("input_blocks.2.0.in_layers.2.weight", "input_blocks.4.0.out_layers.3.weight")
                .allMatch(k -> k.startsWith("input_blocks.2.") || k.startsWith("input_blocks.3.") || k.startsWith("input_blocks.4."));
        for (String k : g.frozenNames()) assertThat(g.sameDiff().getVariable(k).getVariableType()).isEqualTo(VariableType.CONSTANT);
        for (String k : g.backboneNames()) assertThat(g.sameDiff().getVariable(k).getVariableType()).isEqualTo(VariableType.VARIABLE);
        Map<String, float[]> headBefore = new HashMap<>();
        for (String k : g.headNames()) headBefore.put(k, g.array(k).dup().data().asFloat());

        ImageFeeder train = new ImageFeeder(new GeneratedSquares(64, 8, 2, 1), T, 0);
        ImageFeeder eval = new ImageFeeder(new GeneratedSquares(64, 4, 2, 2), T, 0);
        TrainConfig tc = TrainConfig.builder(1e-2, 4).optEpochs(1).optMomentum(0.9).build();
        Path out = dir.resolve("run");
        java.io.PrintStream stdout = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        List<EpochMetrics> first;
        System.setOut(new java.io.PrintStream(printed, true));
        try {
            first = new FineTuner(g, train, eval, tc, 1e-3, out, new ObjectMapper().createObjectNode()).optProgress(false).run(false);
        } finally {
            System.setOut(stdout);
        }
        assertThat(first).hasSize(1);
        // SameDiff's one line per differentiated op (325 for a real head) is not the user's business
        assertThat(printed.toString()).doesNotContain("Added differentiated op");

        for (String k : g.frozenNames()) {
            assertThat(g.array(k).data().asFloat()).as(k).isEqualTo(weights.get(k).data().asFloat());
        }
        List<String> unmoved = g.backboneNames().stream()
                .filter(k -> Arrays.equals(g.array(k).data().asFloat(), weights.get(k).data().asFloat())).toList();
        // adm-tiny has one channel per GroupNorm group, so the bias of a conv feeding a GroupNorm
        // (in_layers.2) is normalised away and has zero gradient; every other tensor must move
        assertThat(unmoved).allMatch(k -> k.endsWith(".in_layers.2.bias"));
        assertThat(g.backboneNames().size() - unmoved.size()).isGreaterThan(20);
        for (String k : g.headNames()) assertThat(Arrays.equals(g.array(k).data().asFloat(), headBefore.get(k))).as(k + " moved").isFalse();
        // the fine-tuned graph got copies: the shared state dict is untouched
        assertThat(weights.get("input_blocks.2.0.in_layers.2.weight").data().asFloat())
                .isEqualTo(TestFixtures.admTinyWeights().get("input_blocks.2.0.in_layers.2.weight").data().asFloat());

        for (String f : List.of(Trainer.RUN, Trainer.METRICS, Trainer.CHECKPOINT, Trainer.SUMMARY)) assertThat(out.resolve(f)).isRegularFile();
        String runJson = Files.readString(out.resolve(Trainer.RUN));
        assertThat(runJson).contains("\"mode\" : \"finetune\"", "\"backbone_lr\" : 0.001", "\"frozen_blocks\" : 2");

        // a fresh graph resumes from the checkpoint: its backbone equals the saved one, training continues with epoch 2
        FineTuneGraph again = FineTuneGraph.build(head, config, weights::get, 2, 0);
        List<EpochMetrics> resumed = new FineTuner(again, train, eval, tc.withEpochs(2), 1e-3, out, new ObjectMapper().createObjectNode())
                .optProgress(false).run(true);
        assertThat(resumed).hasSize(2);
        assertThat(resumed.get(0)).isEqualTo(first.get(0));
        assertThat(Files.readAllLines(out.resolve(Trainer.METRICS))).hasSize(3);
        for (String k : again.frozenNames()) assertThat(again.array(k).data().asFloat()).isEqualTo(weights.get(k).data().asFloat());

        FineTuneGraph other = FineTuneGraph.build(head, config, weights::get, 3, 0);
        assertThatThrownBy(() -> new FineTuner(other, train, eval, tc.withEpochs(3), 1e-3, out, new ObjectMapper().createObjectNode())
                .optProgress(false).run(true)).hasMessageContaining("different run");
    }

    @Test
    void accumulatingTwoMicroBatchesEqualsOneBatchOfTheirSize(@TempDir Path dir) throws Exception {
        AdmConfig config = AdmConfigs.get("adm-tiny");
        StateDict weights = TestFixtures.admTinyWeights();
        HeadConfig head = HeadConfig.defaults(HeadKind.LINEAR, T, List.of(4), 2);
        ImageFeeder train = new ImageFeeder(new GeneratedSquares(64, 4, 2, 1), T, 0);
        ImageFeeder eval = new ImageFeeder(new GeneratedSquares(64, 2, 2, 2), T, 0);
        FineTuneGraph whole = FineTuneGraph.build(head, config, weights::get, 0, 0);
        new FineTuner(whole, train, eval, TrainConfig.builder(1e-2, 4).optEpochs(1).build(), 1e-2, dir.resolve("a"),
                new ObjectMapper().createObjectNode()).optProgress(false).run(false);
        FineTuneGraph micro = FineTuneGraph.build(head, config, weights::get, 0, 0);
        new FineTuner(micro, train, eval, TrainConfig.builder(1e-2, 2).optEpochs(1).optEvalBatch(4).build(), 1e-2, dir.resolve("b"),
                new ObjectMapper().createObjectNode()).optAccumulate(2).optProgress(false).run(false);
        for (String k : whole.trainableNames()) {
            float[] a = whole.array(k).data().asFloat();
            float[] b = micro.array(k).data().asFloat();
            float[] w0 = weights.contains(k) ? weights.get(k).data().asFloat() : null;
            for (int i = 0; i < a.length; i++) {
                // the steps must agree to 1e-4 of their size, up to the rounding of the stored weight (2 ulp)
                double step = w0 == null ? 0 : a[i] - w0[i];
                assertThat((double) b[i]).as(k).isCloseTo(a[i], org.assertj.core.api.Assertions.within(1e-4 * Math.abs(step) + 2 * Math.ulp(a[i])));
            }
        }
    }

    @Test
    void refusesToFreezeTheBlockTheHeadReadsAndDifFeed() {
        AdmConfig config = AdmConfigs.get("adm-tiny");
        StateDict weights = TestFixtures.admTinyWeights();
        assertThatThrownBy(() -> FineTuneGraph.build(HeadConfig.defaults(HeadKind.LINEAR, T, List.of(5), 2), config, weights::get, 5, 0))
                .hasMessageContaining("0..4");
        assertThatThrownBy(() -> FineTuneGraph.build(HeadConfig.defaults(HeadKind.DIFFEED, T, List.of(24), 2), config, weights::get, 0, 0))
                .hasMessageContaining("diffeed");
    }
}
