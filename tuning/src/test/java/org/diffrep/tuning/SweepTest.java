package org.diffrep.tuning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.training.cache.FeatureExtractor;
import org.diffrep.training.cache.ForwardingExtractor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.function.IntFunction;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sweeps on adm-tiny over a generated 4-class image set: cost and result files. */
class SweepTest {

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void candidatesSharingTCostOneForwardPerImageAndResultFilesAreComplete() throws Exception {
        CountingExtractor counting = new CountingExtractor(TinySweep.backbone());
        Sweep.Report r = new Sweep(SearchSpace.parse(TinySweep.SPACE), TinySweep.train(), TinySweep.eval(), counting, dir).optProgress(false).run();

        assertThat(r.candidates()).isEqualTo(8);
        assertThat(r.trained()).isEqualTo(8);
        assertThat(r.passes()).isEqualTo(2);
        // 2 t values, each one pass over 16 training + 8 evaluation images, whatever the 4 candidates of that t use
        assertThat(counting.images()).isEqualTo(2L * (TinySweep.TRAIN + TinySweep.EVAL));
        assertThat(counting.calls()).isEqualTo(2L * (2 + 1));
        assertThat(r.naiveForwardImages()).isEqualTo(8L * (TinySweep.TRAIN + TinySweep.EVAL));

        List<String> lines = Files.readAllLines(dir.resolve(Sweep.RESULTS));
        assertThat(lines).hasSize(8);
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            assertThat(n.get("t").isInt()).isTrue();
            assertThat(n.get("block").isInt()).isTrue();
            assertThat(n.get("pool").asText()).isIn("avg:2", "avg:1");
            assertThat(n.get("lr").asDouble()).isEqualTo(0.01);
            assertThat(n.get("head").asText()).isEqualTo("linear");
            assertThat(n.get("score").asDouble()).isBetween(0.0, 100.0);
            assertThat(n.at("/config/head/kind").asText()).isEqualToIgnoringCase("linear");
            assertThat(n.at("/config/train/epochs").asInt()).isEqualTo(2);
        }
        assertThat(lines.stream().map(l -> l.substring(0, l.indexOf(',')))).doesNotHaveDuplicates();
        assertThat(Files.readAllLines(dir.resolve(Sweep.RANKING))).hasSize(9).first().isEqualTo(Ranking.CSV_HEADER);
        byte[] png = Files.readAllBytes(dir.resolve(Sweep.HEATMAP));
        assertThat(png).hasSizeGreaterThan(1000);
        assertThat(new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    @Test
    void aTimeLimitStopsTheSweepAndARerunWithoutItFinishes() throws Exception {
        Sweep.Report r = new Sweep(SearchSpace.parse(TinySweep.SPACE + "max_minutes: 0.0001\n"), TinySweep.train(), TinySweep.eval(),
                TinySweep.backbone(), dir).optProgress(false).run();
        assertThat(r.timedOut()).isTrue();
        assertThat(r.trained()).isLessThan(8);
        assertThat(Files.readAllLines(dir.resolve(Sweep.RESULTS))).hasSize(r.trained());
        Sweep.Report rest = new Sweep(SearchSpace.parse(TinySweep.SPACE), TinySweep.train(), TinySweep.eval(), TinySweep.backbone(), dir)
                .optProgress(false).run();
        assertThat(rest.timedOut()).isFalse();
        assertThat(rest.skipped()).isEqualTo(r.trained());
        assertThat(rest.ranked()).hasSize(8);
    }

    @Test
    void aFailingCandidateIsReportedTheOthersRunAndARerunRetriesIt() throws Exception {
        FeatureExtractor real = TinySweep.backbone();
        FeatureExtractor broken = new ForwardingExtractor(real) {
            @Override
            public Map<Tap, INDArray> extract(INDArray x0, long[] ids, Collection<Tap> taps, IntFunction<Pooling> pooling, NoiseSource noise) {
                if (taps.stream().anyMatch(tap -> tap.t() == 150)) throw new IllegalStateException("no t=150 today");
                return inner.extract(x0, ids, taps, pooling, noise);
            }
        };
        SearchSpace space = SearchSpace.parse(TinySweep.SPACE);
        Sweep.Report r = new Sweep(space, TinySweep.train(), TinySweep.eval(), broken, dir).optProgress(false).run();
        assertThat(r.trained()).isEqualTo(4);
        assertThat(r.failures()).hasSize(4).allSatisfy(f -> assertThat(f).startsWith("t150_").contains("no t=150 today"));
        assertThat(r.ranked()).extracting(x -> x.candidate().t()).containsOnly(50);
        Sweep.Report rerun = new Sweep(space, TinySweep.train(), TinySweep.eval(), TinySweep.backbone(), dir).optProgress(false).run();
        assertThat(rerun.skipped()).isEqualTo(4);
        assertThat(rerun.trained()).isEqualTo(4);
        assertThat(rerun.failures()).isEmpty();
        assertThat(rerun.ranked()).hasSize(8);
    }

    @Test
    void resultsOfAnotherSweepAreNotMixedIn() throws Exception {
        Files.writeString(dir.resolve(Sweep.RESULTS), "{\"sweep\":\"0000\",\"t\":1,\"block\":1,\"pool\":\"avg:2\",\"lr\":0.1,\"head\":\"linear\"}\n");
        Sweep s = new Sweep(SearchSpace.parse(TinySweep.SPACE), TinySweep.train(), TinySweep.eval(), TinySweep.backbone(), dir).optProgress(false);
        assertThatThrownBy(s::run).hasMessageContaining("holds results of another sweep");
    }
}
