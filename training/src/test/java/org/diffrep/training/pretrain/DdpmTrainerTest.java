package org.diffrep.training.pretrain;

import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.NpzWriter;
import org.diffrep.model.checkpoint.StateDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DdpmTrainerTest {

    @TempDir
    Path dir;

    private static final DdpmTrainer.Options OPTIONS = new DdpmTrainer.Options(8, 1e-2, 2, 1.0, 0.999, 7);

    @Test
    void aFewStepsReduceTheDenoisingLoss() {
        DdpmTrainer trainer = DdpmTrainer.create(TinyImages.config(), new TinyImages(), OPTIONS);
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < 30; i++) losses.add(trainer.trainStep().loss());

        // zeroed output convs predict ε̂ = 0 at first, so the loss starts at E[ε²] = 1
        double first = losses.subList(0, 3).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = losses.subList(25, 30).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertThat(first).isBetween(0.8, 1.2);
        assertThat(last).isLessThan(0.75 * first);
        assertThat(trainer.step()).isEqualTo(30);
    }

    @Test
    void resumingFromACheckpointContinuesExactlyLikeAnUninterruptedRun() throws Exception {
        DdpmTrainer straight = DdpmTrainer.create(TinyImages.config(), new TinyImages(), OPTIONS);
        List<Double> straightLosses = new ArrayList<>();
        for (int i = 0; i < 4; i++) straightLosses.add(straight.trainStep().loss());

        DdpmTrainer first = DdpmTrainer.create(TinyImages.config(), new TinyImages(), OPTIONS);
        List<Double> resumedLosses = new ArrayList<>();
        for (int i = 0; i < 2; i++) resumedLosses.add(first.trainStep().loss());
        first.save(dir.resolve("state.ckpt"));
        DdpmTrainer resumed = DdpmTrainer.resume(dir.resolve("state.ckpt"), new TinyImages());
        assertThat(resumed.step()).isEqualTo(2);
        for (int i = 0; i < 2; i++) resumedLosses.add(resumed.trainStep().loss());

        assertThat(resumedLosses).containsExactlyElementsOf(straightLosses);
        assertSame(resumed.weights(), straight.weights());
        assertSame(resumed.emaWeights(), straight.emaWeights());
    }

    @Test
    void aBatchInPartsMakesTheSameUpdateAsTheWholeBatch() {
        DdpmTrainer whole = DdpmTrainer.create(TinyImages.config(), new TinyImages(), OPTIONS);
        DdpmTrainer parts = DdpmTrainer.create(TinyImages.config(), new TinyImages(), OPTIONS).setMicroBatch(3);
        for (int i = 0; i < 3; i++) {
            DdpmTrainer.StepResult w = whole.trainStep();
            DdpmTrainer.StepResult p = parts.trainStep();
            assertThat(p.loss()).isCloseTo(w.loss(), org.assertj.core.data.Percentage.withPercentage(1e-3));
            assertThat(p.gradNorm()).isCloseTo(w.gradNorm(), org.assertj.core.data.Percentage.withPercentage(1e-3));
        }
        // parts of 3, 3 and 2 images sum the same gradients in another order: equal up to float rounding,
        // which Adam's normalisation amplifies only where a gradient is ~0 (then its update is, too)
        double largest = 0;
        for (String k : whole.weights().keySet()) {
            largest = Math.max(largest, whole.weights().get(k).sub(parts.weights().get(k)).amaxNumber().doubleValue());
        }
        assertThat(largest).isLessThan(1e-2 * OPTIONS.lr());   // measured 5.6e-5: 0.6% of one step's largest move
    }

    @Test
    void theDefaultPartFitsTheResidentSetCap() {
        assertThat(DdpmTrainer.defaultPart(64, 0)).isEqualTo(64);
        assertThat(DdpmTrainer.defaultPart(64, 3L << 30)).isEqualTo(64);   // the launcher's pretrain cap: whole batches
        assertThat(DdpmTrainer.defaultPart(64, 2L << 30)).isEqualTo(32);   // 38 fit: two equal parts, not 38 + 26
        assertThat(DdpmTrainer.defaultPart(64, 1L << 30)).isEqualTo(8);    // 9 fit: eight parts of 8
        assertThat(DdpmTrainer.defaultPart(64, 512L << 20)).isEqualTo(1);
    }

    @Test
    void resumingARunTrainedInPartsIsExact() throws Exception {
        DdpmTrainer straight = DdpmTrainer.create(TinyImages.config(), new TinyImages(), OPTIONS).setMicroBatch(4);
        for (int i = 0; i < 3; i++) straight.trainStep();
        DdpmTrainer first = DdpmTrainer.create(TinyImages.config(), new TinyImages(), OPTIONS).setMicroBatch(4);
        first.trainStep();
        first.save(dir.resolve("state.ckpt"));
        DdpmTrainer resumed = DdpmTrainer.resume(dir.resolve("state.ckpt"), new TinyImages()).setMicroBatch(4);
        for (int i = 0; i < 2; i++) resumed.trainStep();
        assertSame(resumed.weights(), straight.weights());
    }

    @Test
    void emaWeightsAreWrittenInAFormatTheCheckpointReaderLoadsIntoTheUNet() throws Exception {
        DdpmTrainer trainer = DdpmTrainer.create(TinyImages.config(), new TinyImages(), OPTIONS);
        trainer.trainStep();
        Path npz = dir.resolve("ema.npz");
        NpzWriter.write(npz, trainer.emaWeights());

        StateDict read = Checkpoints.read(npz);
        assertThat(read.keys()).containsExactlyElementsOf(TinyImages.config().expectedStateDict().keySet());
        assertSame(read.asMap(), trainer.emaWeights());
        org.diffrep.model.unet.AdmUNet.builder(TinyImages.config()).setWeights(read).build();
    }

    @Test
    void emaDecayWarmsUpAsInGuidedDiffusion() {
        DdpmTrainer trainer = DdpmTrainer.create(TinyImages.config(), new TinyImages(), OPTIONS);
        assertThat(trainer.emaDecayAt(0)).isEqualTo(0.1);
        assertThat(trainer.emaDecayAt(90)).isEqualTo(0.91);
        assertThat(trainer.emaDecayAt(1_000_000)).isEqualTo(0.999);
        assertThat(trainer.lrAt(0)).isEqualTo(5e-3);
        assertThat(trainer.lrAt(5)).isEqualTo(1e-2);
    }

    private static void assertSame(Map<String, INDArray> a, Map<String, INDArray> b) {
        assertThat(a.keySet()).containsExactlyElementsOf(b.keySet());
        a.forEach((k, v) -> assertThat(v.dup('c').data().asFloat()).as(k).containsExactly(b.get(k).dup('c').data().asFloat()));
    }
}
