package org.diffrep.training.cli;

import org.diffrep.training.CommandRun;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.seg.SegTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An option the chosen head or run would ignore is refused, not silently dropped: one line naming
 * the option and the heads it is for, exit 2, before any data, weights or extraction are touched.
 */
class IgnoredOptionsTest {

    @TempDir
    Path dir;

    /** A classification train run on synthetic images (nothing is read before the refusal), plus {@code extra}. */
    private String[] classification(String head, String... extra) {
        List<String> args = new ArrayList<>(List.of("--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint",
                TestFixtures.admTinyCheckpoint().toString(), "--head", head, "--epochs", "1", "--out", dir.resolve("run").toString(), "--no-progress"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    /** A segmentation train run on an ADE20K root that does not exist: the refusal must come before it is looked at. */
    private String[] segmentation(String head, String... extra) {
        List<String> args = new ArrayList<>(List.of("--dataset", "ade20k", "--root", dir.resolve("no-ade20k").toString(), "--config", "adm-tiny",
                "--checkpoint", TestFixtures.admTinyCheckpoint().toString(), "--head", head, "--iterations", "2", "--out",
                dir.resolve("run").toString(), "--no-progress"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    /** Runs the command and returns its one error line (without "error: "), checking exit code, shape and time. */
    private String refused(Object command, String... args) {
        long start = System.nanoTime();
        CommandRun r = CommandRun.of(command, args);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: ").doesNotContain("\tat ").hasLineCount(1);
        assertThat(seconds).as("refused before any heavy work: " + String.join(" ", args)).isLessThan(1.0);
        assertThat(dir.resolve("run")).as("no run folder is started").doesNotExist();
        return r.err().strip().substring("error: ".length());
    }

    @Test
    void classificationHeadsRefuseTheSegmentationHeadsOptions() {
        for (String[] option : List.of(new String[]{"--photometric"}, new String[]{"--eval-mode", "slide"}, new String[]{"--eval-stride", "10"},
                new String[]{"--scale-range", "0.5,1.5"}, new String[]{"--iterations", "100"}, new String[]{"--checkpoint-every", "10"},
                new String[]{"--stop-after", "5"}, new String[]{"--warmup", "10"}, new String[]{"--poly-power", "0.9"})) {
            assertThat(refused(new TrainCommand(), classification("linear", option)))
                    .isEqualTo(option[0] + " is for the segmentation heads (seg-linear, upernet); linear does not use it");
        }
        assertThat(refused(new TrainCommand(), classification("mlp", "--adapter-width", "8"))).isEqualTo("--adapter-width is for upernet; mlp does not use it");
    }

    @Test
    void eachClassificationHeadRefusesTheOptionsOfTheOthers() {
        assertThat(refused(new TrainCommand(), classification("linear", "--feedback", "all")))
                .isEqualTo("--feedback is for diffeed and the segmentation heads (seg-linear, upernet); linear does not use it");
        assertThat(refused(new TrainCommand(), classification("attention", "--feedback", "bottleneck"))).startsWith("--feedback is for diffeed");
        assertThat(refused(new TrainCommand(), classification("linear", "--hidden", "64"))).isEqualTo("--hidden is for the mlp head; linear does not use it");
        assertThat(refused(new TrainCommand(), classification("cnn", "--pool", "avg:4"))).isEqualTo("--pool is for the linear and mlp heads; cnn does not use it");
        assertThat(refused(new TrainCommand(), classification("mlp", "--cnn-channels", "8,8"))).isEqualTo("--cnn-channels is for the cnn head; mlp does not use it");
        assertThat(refused(new TrainCommand(), classification("linear", "--depth", "1")))
                .isEqualTo("--depth is for the attention heads (attention, difformer, diffeed); linear does not use it");
        assertThat(refused(new HeadInfoCommand(), "--head", "linear", "--dim", "64")).startsWith("--dim is for the attention heads");
        assertThat(refused(new ExtractCommand(), "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint",
                TestFixtures.admTinyCheckpoint().toString(), "--head", "linear", "--hidden", "64",
                "--cache", dir.resolve("cache").toString())).isEqualTo("--hidden is for the mlp head; linear does not use it");
    }

    @Test
    void whatOnlyAFeatureCacheUsesIsRefusedWithoutOne() {
        for (String[] option : List.of(new String[]{"--draws", "4"}, new String[]{"--extract-batch", "8"}, new String[]{"--standardize"})) {
            assertThat(refused(new TrainCommand(), classification("linear", option)))
                    .isEqualTo(option[0] + " is for training from a feature cache (--cache); without --cache the U-Net runs in the head's graph");
        }
    }

    @Test
    void extractRefusesWhatOnlyShapesOrStandardisesTheHead() {
        for (String[] option : List.of(new String[]{"--standardize"}, new String[]{"--head-seed", "3"}, new String[]{"--hidden", "64"})) {
            List<String> args = new ArrayList<>(List.of("--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint",
                    TestFixtures.admTinyCheckpoint().toString(), "--head", "mlp", "--cache", dir.resolve("run").toString()));
            args.addAll(List.of(option));
            assertThat(refused(new ExtractCommand(), args.toArray(new String[0])))
                    .isEqualTo(option[0] + " is for train; extract caches the U-Net's features, which it does not change");
        }
        assertThat(refused(new ExtractCommand(), "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint",
                TestFixtures.admTinyCheckpoint().toString(), "--head", "attention", "--depth", "1",
                "--cache", dir.resolve("run").toString())).startsWith("--depth is for train; ");
        assertThat(refused(new ExtractCommand(), "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint",
                TestFixtures.admTinyCheckpoint().toString(), "--head", "diffeed", "--cache", dir.resolve("run").toString()))
                .startsWith("diffeed trains with the U-Net in its graph");
    }

    @Test
    void diffeedRefusesAFeatureCacheAsTheSegmentationHeadsDo() {
        String message = "DifFeed's second pass (--feedback) needs the U-Net in the loop: it cannot train from a feature cache; drop --cache";
        assertThat(refused(new TrainCommand(), classification("diffeed", "--cache", dir.resolve("cache").toString()))).isEqualTo(message);
        assertThat(refused(new TrainCommand(), segmentation("upernet", "--feedback", "bottleneck", "--cache", dir.resolve("cache").toString())))
                .isEqualTo(message);
    }

    @Test
    void segmentationHeadsRefuseTheClassificationHeadsOptions() {
        for (String[] option : List.of(new String[]{"--epochs", "3"}, new String[]{"--optimizer", "adam"}, new String[]{"--momentum", "0.9"},
                new String[]{"--lr-step", "3"}, new String[]{"--lr-gamma", "0.5"})) {
            assertThat(refused(new TrainCommand(), segmentation("upernet", option)))
                    .isEqualTo(option[0] + " is for the classification heads; upernet trains for --iterations with AdamW and a poly schedule");
        }
        for (String[] option : List.of(new String[]{"--random-crop"}, new String[]{"--draws", "2"}, new String[]{"--extract-batch", "4"})) {
            assertThat(refused(new TrainCommand(), segmentation("seg-linear", option)))
                    .isEqualTo(option[0] + " is for the classification heads; seg-linear does not use it");
        }
        assertThat(refused(new TrainCommand(), segmentation("upernet", "--hidden", "64"))).isEqualTo("--hidden is for the mlp head; upernet does not use it");
        assertThat(refused(new TrainCommand(), segmentation("seg-linear", "--standardize")))
                .isEqualTo("--standardize is for the classification heads; seg-linear does not use it");
        assertThat(refused(new TrainCommand(), segmentation("seg-linear", "--decoder-channels", "8")))
                .isEqualTo("--decoder-channels is for upernet; seg-linear does not use it");
        assertThat(refused(new HeadInfoCommand(), "--config", "adm-tiny", "--head", "seg-linear", "--adapter-width", "8"))
                .isEqualTo("--adapter-width is for upernet; seg-linear does not use it");
    }

    @Test
    void evalRefusesACacheItsRunCannotRead() throws Exception {
        Path run = Files.createDirectories(dir.resolve("runs").resolve("seg"));
        Files.writeString(run.resolve("run.json"), "{\"task\": \"" + SegTrainer.TASK + "\"}");
        assertThat(refused(new EvalCommand(), "--run", run.toString(), "--cache", dir.resolve("cache").toString()))
                .isEqualTo("--cache is for runs trained from a feature cache; " + run + " holds a segmentation run, whose U-Net is in its graph");
        Path graphNative = Files.createDirectories(dir.resolve("runs").resolve("diffeed"));
        Files.writeString(graphNative.resolve("run.json"), "{\"feature_cache\": false}");
        assertThat(refused(new EvalCommand(), "--run", graphNative.toString(), "--cache", dir.resolve("cache").toString()))
                .isEqualTo("--cache is for runs trained from a feature cache; " + graphNative + " was trained with the U-Net in the head's graph");
    }

    @Test
    void optionsOfTheChosenHeadAreTaken() {
        assertThat(CommandRun.of(new HeadInfoCommand(), "--config", "adm-tiny", "--head", "mlp", "--hidden", "64", "--pool", "avg:4").out())
                .contains("hidden [64]");
        assertThat(CommandRun.of(new HeadInfoCommand(), "--config", "adm-tiny", "--head", "diffeed", "--feedback", "all", "--dim", "64").out())
                .contains("feedback:");
        assertThat(CommandRun.of(new HeadInfoCommand(), "--config", "adm-tiny", "--head", "upernet", "--feedback", "bottleneck",
                "--adapter-width", "8").out()).contains("adapter width 8");
    }
}
