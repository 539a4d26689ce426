package org.diffrep.tuning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sweeps on adm-tiny over a generated 4-class image set: cost, result files, kill and resume. */
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
    void aSweepKilledMidwayResumesWithoutDuplicatesToTheSameRanking() throws Exception {
        Path killed = dir.resolve("killed");
        SearchSpace space = SearchSpace.parse(TinySweep.SPACE);
        Sweep first = new Sweep(space, TinySweep.train(), TinySweep.eval(), TinySweep.backbone(), killed).optProgress(false)
                .optListener(new Sweep.Listener() {
                    @Override
                    public void finished(SweepResult result, int done, int total) {
                        if (done == 3) throw new IllegalStateException("killed");
                    }
                });
        assertThatThrownBy(first::run).hasMessage("killed");
        assertThat(Files.readAllLines(killed.resolve(Sweep.RESULTS))).hasSize(3);
        // a kill during the next append leaves a torn last line
        Files.writeString(killed.resolve(Sweep.RESULTS), "{\"id\":\"t150_b2", StandardOpenOption.APPEND);

        CountingExtractor counting = new CountingExtractor(TinySweep.backbone());
        Sweep.Report resumed = new Sweep(space, TinySweep.train(), TinySweep.eval(), counting, killed).optProgress(false).run();
        assertThat(resumed.skipped()).isEqualTo(3);
        assertThat(resumed.trained()).isEqualTo(5);
        // t=50 was already cached: only t=150 needs its pass
        assertThat(counting.images()).isEqualTo(TinySweep.TRAIN + TinySweep.EVAL);
        List<String> lines = Files.readAllLines(killed.resolve(Sweep.RESULTS));
        assertThat(lines).hasSize(8);
        assertThat(lines.stream().map(SweepTest::readId)).doesNotHaveDuplicates();

        Sweep.Report whole = new Sweep(space, TinySweep.train(), TinySweep.eval(), TinySweep.backbone(), dir.resolve("whole"))
                .optProgress(false).run();
        assertThat(withoutSeconds(killed.resolve(Sweep.RANKING))).isEqualTo(withoutSeconds(dir.resolve("whole").resolve(Sweep.RANKING)));
        assertThat(scores(resumed)).isEqualTo(scores(whole));

        CountingExtractor again = new CountingExtractor(TinySweep.backbone());
        Sweep.Report rerun = new Sweep(space, TinySweep.train(), TinySweep.eval(), again, killed).optProgress(false).run();
        assertThat(rerun.trained()).isZero();
        assertThat(rerun.skipped()).isEqualTo(8);
        assertThat(again.calls()).isZero();
        assertThat(scores(rerun)).isEqualTo(scores(whole));
    }

    @Test
    void resultsOfAnotherSweepAreNotMixedIn() throws Exception {
        Files.writeString(dir.resolve(Sweep.RESULTS), "{\"sweep\":\"0000\",\"t\":1,\"block\":1,\"pool\":\"avg:2\",\"lr\":0.1,\"head\":\"linear\"}\n");
        Sweep s = new Sweep(SearchSpace.parse(TinySweep.SPACE), TinySweep.train(), TinySweep.eval(), TinySweep.backbone(), dir).optProgress(false);
        assertThatThrownBy(s::run).hasMessageContaining("holds results of another sweep");
    }

    private static String readId(String line) {
        try {
            return JSON.readTree(line).get("id").asText();
        } catch (Exception e) {
            throw new AssertionError(line, e);
        }
    }

    /** ranking.csv rows without the seconds column, which differs from run to run. */
    private static List<String> withoutSeconds(Path csv) throws java.io.IOException {
        return Files.readAllLines(csv).stream().map(l -> l.replaceFirst(",[^,]*,([^,]*)$", ",$1")).toList();
    }

    private static List<String> scores(Sweep.Report r) {
        return r.ranked().stream().map(x -> x.candidate().id() + "=" + x.score() + "/" + x.top5() + "/" + x.evalLoss()).toList();
    }
}
