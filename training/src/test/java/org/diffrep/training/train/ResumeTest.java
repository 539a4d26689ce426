package org.diffrep.training.train;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.training.cache.CachedSplit;
import org.diffrep.training.cache.FakeExtractor;
import org.diffrep.training.cache.FeatureCache;
import org.diffrep.training.data.GeneratedSquares;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A run killed after an epoch and resumed ends exactly where an uninterrupted run does. */
class ResumeTest {

    @TempDir
    Path dir;

    private static final HeadConfig HEAD = HeadConfig.defaults(HeadKind.MLP, List.of(150), List.of(24), 4).withHidden(List.of(12));
    private static final TrainConfig ADAM = TrainConfig.builder(0.01, 4).optEpochs(3).optOptimizer(OptimizerKind.ADAM)
            .optWeightDecay(1e-4).optLrSchedule(2, 0.5).optSeed(11).optEvalBatch(8).build();

    private CachedSplit split(String name, int count, long seed) {
        GeneratedSquares images = new GeneratedSquares(16, count, 4, seed);
        return new FeatureCache(dir.resolve("cache-" + name)).optProgress(false)
                .ensure(new FeatureCache.Request(images, List.of(150), List.of(24), b -> HEAD.pool(), 5, 2, 8), new FakeExtractor());
    }

    private Trainer trainer(Path out, CachedSplit train, CachedSplit eval) {
        ClassifierGraph g = ClassifierGraph.onFeatures(HEAD, train.shapes(), 21);
        ObjectNode run = JsonNodeFactory.instance.objectNode().put("purpose", "resume test");
        return new Trainer(g, train, eval, ADAM, out, run).optProgress(false);
    }

    @Test
    void resumedRunEqualsUninterruptedRun() throws Exception {
        try (CachedSplit train = split("train", 20, 1); CachedSplit eval = split("eval", 8, 2)) {
            List<EpochMetrics> full = trainer(dir.resolve("full"), train, eval).run(false);

            Path killed = dir.resolve("killed");
            assertThatThrownBy(() -> trainer(killed, train, eval).optEpochListener(m -> {
                if (m.epoch() == 2) throw new IllegalStateException("killed");
            }).run(false)).hasMessage("killed");
            assertThat(Files.readAllLines(killed.resolve(Trainer.METRICS))).hasSize(3);
            assertThatThrownBy(() -> trainer(killed, train, eval).run(false)).hasMessageContaining("--resume");

            List<EpochMetrics> resumed = trainer(killed, train, eval).run(true);
            assertThat(resumed).hasSize(3);
            for (int i = 0; i < 3; i++) {
                EpochMetrics a = full.get(i);
                EpochMetrics b = resumed.get(i);
                assertThat(b).usingRecursiveComparison().ignoringFields("seconds").isEqualTo(a);
            }
            Checkpoint c1 = Checkpoint.read(dir.resolve("full").resolve(Trainer.CHECKPOINT));
            Checkpoint c2 = Checkpoint.read(killed.resolve(Trainer.CHECKPOINT));
            assertThat(c2.arrays().keySet()).isEqualTo(c1.arrays().keySet());
            c1.arrays().forEach((k, v) -> assertThat(c2.arrays().get(k)).as(k).isEqualTo(v));
            assertThat(Files.readString(killed.resolve(Trainer.SUMMARY))).contains("\"evalTop5\"", "\"head\"", "\"train\"");
            assertThat(Files.readAllLines(killed.resolve(Trainer.METRICS))).hasSize(4).first().isEqualTo(EpochMetrics.CSV_HEADER);

            // a resume with another batch is refused, naming the field and both values
            TrainConfig bigger = ADAM.toBuilder().setBatchSize(8).build();
            ClassifierGraph g = ClassifierGraph.onFeatures(HEAD, train.shapes(), 21);
            assertThatThrownBy(() -> new Trainer(g, train, eval, bigger, killed, JsonNodeFactory.instance.objectNode().put("purpose", "resume test"))
                    .optProgress(false).run(true)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("train.batchSize: 4 in the checkpoint, 8 now").hasMessageNotContaining("{");
        }
    }

    @Test
    void runDifferencesNameEachChangedField() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var saved = json.readTree("{\"train\": {\"batchSize\": 8, \"lr\": 0.01}, \"head\": {\"blocks\": [24]}, \"gone\": 1}");
        var now = json.readTree("{\"train\": {\"batchSize\": 16, \"lr\": 1.0E-2}, \"head\": {\"blocks\": [19, 24]}}");
        assertThat(RunDifference.between(saved, now)).containsExactly("gone: 1 in the checkpoint, (absent) now",
                "head.blocks: [24] in the checkpoint, [19, 24] now", "train.batchSize: 8 in the checkpoint, 16 now");
        assertThat(RunDifference.between(saved, saved)).isEmpty();
    }
}
