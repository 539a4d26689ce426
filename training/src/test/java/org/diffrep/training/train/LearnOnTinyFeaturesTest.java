package org.diffrep.training.train;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.cache.BackboneExtractor;
import org.diffrep.training.cache.CachedSplit;
import org.diffrep.training.cache.FeatureCache;
import org.diffrep.training.data.GeneratedSquares;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A linear probe on cached adm-tiny features (t=150, b=24, avg:2) learns a separable 4-class problem. */
class LearnOnTinyFeaturesTest {

    @TempDir
    Path dir;

    @Test
    void linearProbeReachesHighAccuracy() throws Exception {
        StateDict w = TestFixtures.admTinyWeights();
        AdmUNet net = AdmUNet.builder(AdmConfigs.get("adm-tiny")).setWeights(w::get).optUpToBlock(24).build();
        BackboneExtractor ex = new BackboneExtractor(net, "adm-tiny-fixture");
        HeadConfig head = HeadConfig.defaults(HeadKind.LINEAR, List.of(150), List.of(24), 4);
        FeatureCache cache = new FeatureCache(dir).optProgress(false);
        long t0 = System.nanoTime();
        try (CachedSplit train = cache.ensure(request(new GeneratedSquares(64, 32, 4, 1), head), ex);
             CachedSplit eval = cache.ensure(request(new GeneratedSquares(64, 16, 4, 2), head), ex)) {
            double extractSeconds = (System.nanoTime() - t0) / 1e9;
            ClassifierGraph g = ClassifierGraph.onFeatures(head, train.shapes(), 1);
            TrainConfig cfg = TrainConfig.builder(0.01, 8).optEpochs(30).optOptimizer(OptimizerKind.ADAM).optLrSchedule(10, 0.5)
                    .optSeed(3).optEvalBatch(16).build();
            long t1 = System.nanoTime();
            List<EpochMetrics> m = new Trainer(g, train, eval, cfg, dir.resolve("run"), JsonNodeFactory.instance.objectNode())
                    .optProgress(false).run(false);
            double trainSeconds = (System.nanoTime() - t1) / 1e9;
            LoggerFactory.getLogger(getClass()).info("extracting 48 images: {} s; 30 cached epochs: {} s", extractSeconds, trainSeconds);
            EpochMetrics last = m.get(m.size() - 1);
            assertThat(last.trainLoss()).isLessThan(m.get(0).trainLoss());
            assertThat(last.evalTop1()).isGreaterThanOrEqualTo(0.9);
        }
    }

    private static FeatureCache.Request request(GeneratedSquares images, HeadConfig head) {
        return new FeatureCache.Request(images, head.timesteps(), head.blocks(), b -> head.pool(), 9, 1, 16);
    }
}
