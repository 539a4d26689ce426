package org.diffrep.training.seg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.SegmentationOptions;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.CommandRun;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.cli.EvalCommand;
import org.diffrep.training.cli.TrainCommand;
import org.diffrep.training.data.UnreadableImages;
import org.diffrep.training.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Segmentation runs read ADE20K through the datasets pipeline: unreadable images and annotations are
 * skipped and listed under --max-unreadable and stop the run past it; sliding-window evaluation
 * agrees with whole-image evaluation where it must.
 */
class SegmentationDataTest {

    @TempDir
    Path dir;

    private static String[] trainArgs(Path root, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("--dataset", "ade20k", "--root", root.toString(), "--config", "adm-tiny",
                "--checkpoint", TestFixtures.admTinyCheckpoint().toString(), "--head", "seg-linear", "--t", "50", "--blocks", "30",
                "--batch", "2", "--lr", "1e-3", "--iterations", "2", "--checkpoint-every", "2", "--out", out.toString(), "--no-progress"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    /** Keeps the first third of a file, as an interrupted download would. */
    private static void truncate(Path file) throws Exception {
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length / 3));
    }

    @Test
    void underTheToleranceACorruptJpegAndAMissingAnnotationAreSkippedAndListedByTrainAndEval() throws Exception {
        Path root = SegmentationHeadsTest.writeAde20k(dir.resolve("ade"), 4, 72, 64);
        Path corrupt = root.resolve("ADEChallengeData2016/images/training/ADE_train_00000002.jpg");
        truncate(corrupt);
        Path missing = root.resolve("ADEChallengeData2016/annotations/validation/ADE_val_00000003.png");
        Files.delete(missing);
        Path out = dir.resolve("run");

        CommandRun train = CommandRun.of(new TrainCommand(), trainArgs(root, out, "--max-unreadable", "0.25", "--photometric",
                "--eval-mode", "slide", "--eval-stride", "40"));
        assertThat(train.exit()).as(train.err()).isZero();
        assertThat(train.out()).contains("2 unreadable file(s) skipped").contains(UnreadableImages.FILE);
        JsonNode listed = new ObjectMapper().readTree(out.resolve(UnreadableImages.FILE).toFile()).get("unreadable");
        assertThat(listed).hasSize(2);
        assertThat(listed.get(0).get("path").asText()).isEqualTo(corrupt.toString());
        assertThat(listed.get(0).get("reason").asText()).contains("truncated JPEG");
        assertThat(listed.get(0).get("source").asText()).startsWith("ade20k/train (3 images");
        assertThat(listed.get(1).get("path").asText()).isEqualTo(missing.toString());
        assertThat(listed.get(1).get("reason").asText()).isEqualTo("missing file");
        JsonNode summary = new ObjectMapper().readTree(out.resolve(Trainer.SUMMARY).toFile());
        assertThat(summary.get("run").get("eval_data").asText()).startsWith("ade20k/val (3 images");
        assertThat(summary.get("run").get("setup").get("photometric").asBoolean()).isTrue();
        assertThat(summary.get("run").get("setup").get("evalMode").asText()).isEqualTo("slide");

        // eval --run scores as the run did (windows every 40 px over 72 x 64 images) unless told otherwise
        CommandRun again = CommandRun.of(new EvalCommand(), "--run", out.toString(), "--no-progress");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("1 unreadable file(s) skipped");
        JsonNode scored = new ObjectMapper().readTree(out.resolve(EvalCommand.EVAL).toFile());
        assertThat(scored.get("images").asInt()).isEqualTo(3);
        assertThat(scored.get("eval_mode").asText()).isEqualTo("slide");
        assertThat(scored.get("eval_stride").asInt()).isEqualTo(40);
        assertThat(scored.get("miou").asDouble()).isEqualTo(summary.get("miou").asDouble());
        assertThat(scored.get("unreadable")).hasSize(1);
        assertThat(scored.get("unreadable").get(0).get("path").asText()).isEqualTo(missing.toString());

        CommandRun whole = CommandRun.of(new EvalCommand(), "--run", out.toString(), "--eval-mode", "whole", "--no-progress");
        assertThat(whole.exit()).as(whole.err()).isZero();
        JsonNode rescored = new ObjectMapper().readTree(out.resolve(EvalCommand.EVAL).toFile());
        assertThat(rescored.get("eval_mode").asText()).isEqualTo("whole");
        assertThat(rescored.get("miou").asDouble()).isBetween(0.0, 100.0);
    }

    @Test
    void theHelpDocumentsTheOptionsAndAWrongModeIsOneLine() throws Exception {
        CommandRun help = CommandRun.of(new TrainCommand(), "--help");
        assertThat(help.out()).contains("--photometric").contains("--eval-mode").contains("--eval-stride").contains("--max-unreadable");
        assertThat(CommandRun.of(new EvalCommand(), "--help").out()).contains("--eval-mode").contains("--eval-stride");
        Path root = SegmentationHeadsTest.writeAde20k(dir.resolve("ade"), 1, 64, 64);
        CommandRun wrong = CommandRun.of(new TrainCommand(), trainArgs(root, dir.resolve("run"), "--eval-mode", "tiles"));
        assertThat(wrong.exit()).isEqualTo(2);
        assertThat(wrong.err().strip()).isEqualTo("error: --eval-mode takes whole or slide, got tiles");
        CommandRun stride = CommandRun.of(new TrainCommand(), trainArgs(root, dir.resolve("run"), "--eval-stride", "10"));
        assertThat(stride.err().strip()).isEqualTo("error: --eval-stride applies to --eval-mode slide only");
    }

    @Test
    void pastTheToleranceTheRunStopsBeforeTrainingWithOneErrorLine() throws Exception {
        Path root = SegmentationHeadsTest.writeAde20k(dir.resolve("ade"), 4, 72, 64);
        Path corrupt = root.resolve("ADEChallengeData2016/images/training/ADE_train_00000002.jpg");
        truncate(corrupt);
        Path out = dir.resolve("run");

        CommandRun train = CommandRun.of(new TrainCommand(), trainArgs(root, out));
        assertThat(train.exit()).isEqualTo(2);
        List<String> lines = train.err().lines().filter(l -> !l.isBlank()).filter(l -> !l.contains(" WARN ")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("error: ").contains("1 of 4 files unreadable").contains(corrupt.toString());
        assertThat(train.err()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(out.resolve(Trainer.CHECKPOINT)).doesNotExist();
    }

    @Test
    void aWindowAsLargeAsTheImageGivesTheWholeImagePrediction() throws Exception {
        ImageDataset ds = DatasetRegistry.open("ade20k", SegmentationHeadsTest.writeAde20k(dir.resolve("ade"), 2, 64, 64));
        StateDict w = TestFixtures.admTinyWeights();
        SegHeadConfig head = new SegHeadConfig(SegHeadKind.SEG_LINEAR, List.of(50), List.of(30), 150, 0, 0);
        SegGraph g = SegGraph.onBackbone(head, SegmentationHeadsTest.TINY, w::get, 1);
        try (DatasetSegData whole = new DatasetSegData(ds, "val", 64, SegmentationOptions.ade20k(), 0, 1, 0);
             DatasetSegData kept = new DatasetSegData(ds, "val", 64, new SegmentationOptions(0.5, 2.0, false, true), 0, 1, 0)) {
            Path a = dir.resolve("whole");
            Path b = dir.resolve("slide");
            // one image per forward both ways: the same arithmetic, so the same bits
            SegMetrics.Result r1 = SegEvaluator.evaluate(g, new SegFeeder(whole, SegGraph.Input.IMAGES, head.timesteps(), 3), 1, a, false);
            SegMetrics.Result r2 = SegEvaluator.evaluate(g, new SegFeeder(kept, SegGraph.Input.IMAGES, head.timesteps(), 3), 1,
                    SegEvaluator.SlidingWindow.of(64, null), b, false);
            assertThat(r2.iou()).containsExactly(r1.iou());
            for (String name : List.of("ADE_val_00000001.png", "ADE_val_00000002.png")) {
                assertThat(Files.readAllBytes(b.resolve(name))).as(name).isEqualTo(Files.readAllBytes(a.resolve(name)));
            }
        }
    }

    @Test
    void overlappingWindowsAverageToEachPixelsOwnLogitsUnderAPointwiseHead() {
        int side = 32;
        int k = 5;
        SegGraph g = SegGraph.onPixels(new SegHeadConfig(SegHeadKind.SEG_LINEAR, List.of(0), List.of(0), k, 0, 0), 3, side, 7);
        INDArray image = Nd4j.rand(DataType.FLOAT, 1, 3, 40, 90).muli(2).subi(1);
        // windows at rows 0, 8 and columns 0, 20, 40, 58: pixels covered once to four times
        assertThat(new SegEvaluator.SlidingWindow(side, 20).offsets(90)).containsExactly(0, 20, 40, 58);
        SegEvaluator.WindowedLogits slid = SegEvaluator.slide(g, Map.of(AdmUNet.INPUT, image), new SegEvaluator.SlidingWindow(side, 20), 3);
        assertThat(slid.height()).isEqualTo(40);
        assertThat(slid.width()).isEqualTo(90);
        float[] weight = g.array("seg.classifier.weight").castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] bias = g.array("seg.classifier.bias").castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] px = image.dup('c').data().asFloat();
        int plane = 40 * 90;
        for (int cls = 0; cls < k; cls++) {
            for (int p = 0; p < plane; p++) {
                double expected = bias[cls];
                for (int c = 0; c < 3; c++) expected += weight[cls * 3 + c] * px[c * plane + p];
                assertThat((double) slid.values()[cls * plane + p]).isCloseTo(expected, within(1e-4));
            }
        }
    }
}
