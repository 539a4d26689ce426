package org.diffrep.training.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.training.CommandRun;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.data.CubFolder;
import org.diffrep.training.data.UnreadableImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A truncated JPEG in the training split: skipped and listed in the run, or the run refused with --max-unreadable 0. */
class UnreadableImagesCommandTest {

    @TempDir
    Path dir;

    private String[] train(Path root, Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--dataset", "cub", "--root", root.toString(), "--config", "adm-tiny",
                "--checkpoint", TestFixtures.admTinyCheckpoint().toString(), "--head", "linear", "--t", "150", "--blocks", "24",
                "--epochs", "1", "--batch", "8", "--out", out.toString(), "--no-progress"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    /** 2 classes × 6 JPEGs (10 for training) with the fourth cut short, as an interrupted copy leaves it. */
    private static List<Path> cubWithTheFourthTruncated(Path root) throws Exception {
        List<Path> files = CubFolder.write(root, 2, 6, 5);
        CubFolder.truncate(files.get(3));
        return files;
    }

    @Test
    void aTruncatedJpegIsSkippedAndListedInTheRun() throws Exception {
        Path root = dir.resolve("cub");
        List<Path> files = cubWithTheFourthTruncated(root);
        Path out = dir.resolve("run");
        CommandRun r = CommandRun.of(new TrainCommand(), train(root, out, "--max-unreadable", "0.2"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("1 unreadable image(s) skipped");
        JsonNode listed = new ObjectMapper().readTree(out.resolve(UnreadableImages.FILE).toFile()).get("unreadable");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("path").asText()).isEqualTo(files.get(3).toString());
        assertThat(listed.get(0).get("reason").asText()).contains("truncated");
    }

    @Test
    void pastTheToleratedFractionTheRunFailsNamingTheFile() throws Exception {
        Path root = dir.resolve("cub");
        List<Path> files = cubWithTheFourthTruncated(root);
        Path out = dir.resolve("run");
        CommandRun r = CommandRun.of(new TrainCommand(), train(root, out, "--max-unreadable", "0"));
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: ").doesNotContain("\n")
                .contains("1 of 10 files unreadable").contains(files.get(3).toString());
        assertThat(Files.exists(out.resolve("checkpoint.bin"))).isFalse();
    }

    @Test
    void evalOfARunToleratesWhatTheRunTolerated() throws Exception {
        Path root = dir.resolve("cub");
        List<Path> files = CubFolder.write(root, 2, 6, 5);
        CubFolder.truncate(files.get(5)); // one of the two evaluation images: half the split, far past the default 0.01
        Path out = dir.resolve("run");
        CommandRun trained = CommandRun.of(new TrainCommand(), train(root, out, "--max-unreadable", "0.5"));
        assertThat(trained.exit()).as(trained.err()).isZero();
        JsonNode setup = new ObjectMapper().readTree(out.resolve("run.json").toFile()).get("provenance").get("setup");
        assertThat(setup.get("unreadable").get("maxUnreadable").asDouble()).isEqualTo(0.5);
        CommandRun evaluated = CommandRun.of(new EvalCommand(), "--run", out.toString(), "--no-progress");
        assertThat(evaluated.exit()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("(1 images)");
    }
}
