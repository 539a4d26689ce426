package org.diffrep.training.knn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.training.CommandRun;
import org.diffrep.training.cka.CkaCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** knn and cka as a user runs them, on the embedded default (the shipped Fashion-MNIST and adm-fmnist model). */
class KnnAndCkaCommandsTest {

    @TempDir
    Path dir;

    @Test
    void knnClassifiesTheShippedDataWellAboveChanceAndRecordsItsProvenance() throws Exception {
        Path file = dir.resolve("knn.json");
        CommandRun r = CommandRun.of(new KnnCommand(), "--limit-train", "300", "--limit-eval", "100", "--k", "10", "--t", "10", "--blocks", "13",
                "--cache", dir.resolve("cache").toString(), "--out", file.toString(), "--no-progress");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("kNN on fashion-mnist/test (100 images").contains("written " + file.toAbsolutePath());
        JsonNode result = new ObjectMapper().readTree(file.toFile());
        double top1 = result.get("results").get(0).get("k").get("10").get("top1").asDouble();
        // ten classes: chance is 0.1; block 13 features of the shipped model separate them far better
        assertThat(top1).isGreaterThan(0.5);
        JsonNode p = result.get("provenance");
        assertThat(p.get("command").asText()).isEqualTo("knn");
        assertThat(p.get("command_line").toString()).contains("--limit-train", "300");
        assertThat(p.get("config").asText()).isEqualTo("adm-fmnist");
        assertThat(p.get("checkpoint_sha256").asText()).hasSize(64);
        assertThat(p.get("splits").get("train").asText()).startsWith("fashion-mnist/train (300 images");
        assertThat(p.get("diffrep_version").asText()).isNotBlank();
        assertThat(p.get("finished").isNull()).isFalse();
    }

    @Test
    void ckaOfABlockWithItselfIsOneAndOfTwoBlocksLess() throws Exception {
        Path out = dir.resolve("cka");
        CommandRun r = CommandRun.of(new CkaCommand(), "--limit-eval", "64", "--t", "10", "--blocks", "4,13", "--pool", "avg:2",
                "--cache", dir.resolve("cache").toString(), "--out", out.toString(), "--no-progress");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode result = new ObjectMapper().readTree(out.resolve("cka.json").toFile());
        JsonNode cka = result.get("cka");
        assertThat(cka.get(0).get(0).asDouble()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(cka.get(0).get(1).asDouble()).isBetween(0.0, 0.999).isEqualTo(cka.get(1).get(0).asDouble());
        assertThat(result.get("provenance").get("command").asText()).isEqualTo("cka");
        assertThat(out.resolve("cka.png")).exists();
    }

    @Test
    void theAccuraciesArePrintedEvenWhenTheResultFileCannotBeWrittenAnyMore() throws Exception {
        Path cache = dir.resolve("cache");
        Path folder = dir.resolve("results");
        // valid when checked; while the features are extracted, a file takes the result folder's name
        Thread takesTheName = new Thread(() -> {
            try {
                while (!Files.isDirectory(cache)) Thread.sleep(5);
                Files.writeString(folder, "not a folder");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        takesTheName.start();
        CommandRun r = CommandRun.of(new KnnCommand(), "--limit-train", "40", "--limit-eval", "20", "--k", "5", "--t", "10", "--blocks", "13",
                "--cache", cache.toString(), "--out", folder.resolve("knn.json").toString(), "--no-progress");
        takesTheName.join(10_000);
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).contains("kNN on fashion-mnist/test (20 images").doesNotContain("written");
        assertThat(r.err().strip()).startsWith("error: ").contains(folder.toString()).hasLineCount(1);
    }

    @Test
    void knnAndCkaTakeTheirTapsFromOneMixinEachWithItsOwnDefaultPooling() {
        for (Object command : List.of(new KnnCommand(), new CkaCommand())) {
            CommandLine.Model.CommandSpec spec = new CommandLine(command).getCommandSpec();
            for (String option : List.of("--t", "--blocks", "--pool")) {
                assertThat(spec.mixins().values()).as(spec.name() + " " + option)
                        .filteredOn(m -> m.userObject() instanceof TapOptions && m.findOption(option) != null).hasSize(1);
            }
        }
        // help lines wrap anywhere, also after "avg:": compare without whitespace
        assertThat(CommandRun.of(new KnnCommand(), "--help").out().replaceAll("\\s+", "")).contains("(defaultavg:1)");
        assertThat(CommandRun.of(new CkaCommand(), "--help").out().replaceAll("\\s+", "")).contains("(defaultavg:8)");
    }

    @Test
    void ckaRefusesWhatItWouldIgnore() {
        CommandRun batch = CommandRun.of(new CkaCommand(), "--batch", "64", "--cache", dir.resolve("cache").toString(), "--out",
                dir.resolve("cka").toString(), "--no-progress");
        assertThat(batch.exit()).isEqualTo(2);
        assertThat(batch.err().strip()).isEqualTo("error: --batch is for --estimator minibatch; biased uses every sample at once");
        CommandRun both = CommandRun.of(new CkaCommand(), "--samples", "100", "--limit-eval", "50", "--cache", dir.resolve("cache").toString(),
                "--out", dir.resolve("cka").toString(), "--no-progress");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err().strip()).isEqualTo("error: --samples and --limit-eval both say how many evaluation images cka uses: give one");
        assertThat(dir.resolve("cache")).as("refused before any extraction").doesNotExist();
    }

    @Test
    void aBlockTheModelDoesNotHaveIsOneLineAndExitTwo() {
        CommandRun r = CommandRun.of(new KnnCommand(), "--limit-train", "20", "--limit-eval", "10", "--blocks", "20", "--cache",
                dir.resolve("cache").toString(), "--out", dir.resolve("k.json").toString(), "--no-progress");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: ").contains("20").contains("1..19").hasLineCount(1);
    }
}
