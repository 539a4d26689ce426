package org.diffrep.training.seg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.common.cli.Cli;
import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.SegmentationOptions;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.cli.EvalCommand;
import org.diffrep.training.cli.HeadInfoCommand;
import org.diffrep.training.cli.TrainCommand;
import org.diffrep.training.heads.Feedback;
import org.diffrep.training.heads.ParameterCount;
import org.diffrep.training.train.Checkpoint;
import org.diffrep.training.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.diffrep.training.seg.SegmentationHeadsTest.TINY;
import static org.diffrep.training.seg.SegmentationHeadsTest.run;
import static org.diffrep.training.seg.SegmentationHeadsTest.writeAde20k;

/** The segmentation heads on DifFeed's second pass (--feedback): adm-tiny and a small ADE20K layout written here. */
class SegmentationDifFeedTest {

    @TempDir
    Path dir;

    @Test
    void segLinearOnTheSecondPassTrainsTheFeedbackWithTheHeadAndKeepsTheUNetFrozen() throws Exception {
        Path root = writeAde20k(dir.resolve("ade"), 2, 64, 64);
        StateDict w = TestFixtures.admTinyWeights();
        SegHeadConfig head = new SegHeadConfig(SegHeadKind.SEG_LINEAR, List.of(50, 150), List.of(24), 150, 0, 0, "Windowed");
        assertThat(head.feedback()).isEqualTo("windowed");
        SegGraph g = SegGraph.onBackbone(head, TINY, w::get, 1);
        assertThat(g.sameDiff().hasVariable(Feedback.SECOND_PASS_PREFIX + AdmUNet.blockName(24))).isTrue();
        assertThat(g.trainableNames()).contains("feedback.d20.conv.weight", "feedback.d24.bn.weight", "seg.classifier.weight");
        assertThat(g.batchNorms()).hasSize(5);
        Map<String, INDArray> frozen = TestFixtures.frozenWeights(g.sameDiff(), w, g.trainableNames());
        Map<String, INDArray> before = new LinkedHashMap<>();
        for (String n : g.trainableNames()) before.put(n, g.array(n).dup());
        for (String n : g.bufferNames()) before.put(n, g.array(n).dup());

        SegTrainConfig tc = new SegTrainConfig(2, 2, 1e-2, 0.01, 0, 1.0, 0, 2, 1);
        try (DatasetSegData train = new DatasetSegData(DatasetRegistry.open("ade20k", root), "train", 64, SegmentationOptions.ade20k(), 0, 1, 0.01)) {
            SegMetrics.Result r = new SegTrainer(g, new SegFeeder(train, SegGraph.Input.IMAGES, head.timesteps(), 0),
                    new SegFeeder(train, SegGraph.Input.IMAGES, head.timesteps(), 0), tc, dir.resolve("run"),
                    new ObjectMapper().createObjectNode(), train.classNames()).optProgress(false).run(false);
            assertThat(r.presentClasses()).isNotEmpty();
        }
        frozen.forEach((name, arr) -> assertThat(g.sameDiff().getVariable(name).getArr()).as(name).isEqualTo(arr));
        // the loss reaches every feedback network through the frozen second pass (d22 is halved to its mirror's side)
        for (int d : List.of(20, 21, 22, 23, 24)) {
            String conv = "feedback.d" + d + ".conv.weight";
            assertThat(g.array(conv)).as(conv).isNotEqualTo(before.get(conv));
            String mean = "feedback.d" + d + ".bn.running_mean";
            assertThat(g.array(mean)).as(mean).isNotEqualTo(before.get(mean));
        }
        assertThat(g.array("seg.classifier.weight")).isNotEqualTo(before.get("seg.classifier.weight"));
        JsonNode run = new ObjectMapper().readTree(dir.resolve("run").resolve(Trainer.RUN).toFile());
        assertThat(run.get("seg_head").get("feedback").asText()).isEqualTo("windowed");
        assertThat(run.get("feedback_parameters").asLong()).isEqualTo(g.parameterCount().feedback()).isPositive();
        assertThat(Files.readAllLines(dir.resolve("run").resolve(Trainer.METRICS))).hasSize(3);
    }

    @Test
    void upernetOnTheSecondPassResumesExactlyAndEvalRebuildsTheSameGraph() throws Exception {
        Path root = writeAde20k(dir.resolve("ade"), 2, 72, 64);
        Path straight = dir.resolve("straight");
        run(new TrainCommand(), trainArgs(root, straight).toArray(new String[0]));
        Path resumed = dir.resolve("resumed");
        List<String> first = trainArgs(root, resumed);
        first.addAll(List.of("--stop-after", "2"));
        assertThat(run(new TrainCommand(), first.toArray(new String[0]))).contains("stopped after");
        List<String> second = trainArgs(root, resumed);
        second.add("--resume");
        run(new TrainCommand(), second.toArray(new String[0]));

        Checkpoint a = Checkpoint.read(straight.resolve(Trainer.CHECKPOINT));
        Checkpoint b = Checkpoint.read(resumed.resolve(Trainer.CHECKPOINT));
        assertThat(a.arrays().keySet()).contains("feedback.d21.conv.weight", "feedback.d22.bn.running_var",
                "optimizer/adam_m/feedback.d22.conv.weight", "seg.psp.scale6.bn.running_mean");
        assertThat(b.arrays().keySet()).isEqualTo(a.arrays().keySet());
        for (String name : a.arrays().keySet()) {
            assertThat(b.arrays().get(name)).as(name).isEqualTo(a.arrays().get(name));
        }

        // eval rebuilds the two-pass graph from run.json and scores exactly as training's final evaluation
        JsonNode summary = new ObjectMapper().readTree(resumed.resolve(Trainer.SUMMARY).toFile());
        run(new EvalCommand(), "--run", resumed.toString(), "--no-progress");
        JsonNode eval = new ObjectMapper().readTree(resumed.resolve(EvalCommand.EVAL).toFile());
        assertThat(eval.get("miou").asDouble()).isEqualTo(summary.get("miou").asDouble());
        assertThat(eval.get("pixel_accuracy").asDouble()).isEqualTo(summary.get("pixel_accuracy").asDouble());
    }

    private static List<String> trainArgs(Path root, Path out) {
        return new ArrayList<>(List.of("--dataset", "ade20k", "--root", root.toString(), "--config", "adm-tiny",
                "--checkpoint", TestFixtures.admTinyCheckpoint().toString(), "--head", "upernet", "--t", "50", "--blocks", "24",
                "--feedback", "21,22", "--adapter-width", "8", "--decoder-channels", "8", "--iterations", "3", "--batch", "2",
                "--lr", "1e-3", "--checkpoint-every", "2", "--out", out.toString(), "--no-progress"));
    }

    @Test
    void headInfoCountsTheFeedbackNetworksApart() {
        var adm256 = AdmConfigs.get("adm-256-uncond");
        // the feedback networks are DifFeed's, whichever head reads the second pass (docs/method.md §2.4: 2,759,680)
        ParameterCount linear = SegGraph.countParameters(
                new SegHeadConfig(SegHeadKind.SEG_LINEAR, List.of(90), List.of(24), 150, 0, 0, "bottleneck"), adm256);
        assertThat(linear).isEqualTo(new ParameterCount(153_750L, 2_759_680L));
        assertThat(run(new HeadInfoCommand(), "--config", "adm-256-uncond", "--head", "seg-linear", "--t", "90", "--blocks", "24",
                "--feedback", "bottleneck", "--num-classes", "150"))
                .contains("DifFeed second pass").contains("head:      153,750").contains("feedback:  2,759,680 (bottleneck)")
                .contains("trainable parameters: 2,913,430");
        long upernet = SegmentationHeadsTest.upernetByHand(1024, 1024, 512, 150);
        assertThat(run(new HeadInfoCommand(), "--config", "adm-256-uncond", "--head", "upernet", "--t", "90", "--blocks", "24",
                "--feedback", "bottleneck", "--num-classes", "150"))
                .contains(String.format("trainable parameters: %,d", upernet + 2_759_680L));
        // without --feedback the segmentation heads read one pass
        assertThat(run(new HeadInfoCommand(), "--config", "adm-256-uncond", "--head", "seg-linear", "--t", "90", "--blocks", "24",
                "--num-classes", "150")).doesNotContain("feedback").contains("trainable parameters: 153,750");
    }

    @Test
    void feedbackThatCannotReachTheTapsAndACacheAreOneLineErrors() {
        String err = failing(new HeadInfoCommand(), "--config", "adm-256-uncond", "--head", "seg-linear", "--t", "90", "--blocks", "10",
                "--feedback", "bottleneck", "--num-classes", "150");
        assertThat(err).startsWith("error: feedback from decoder block 21 enters encoder block 17").contains("never reach the head");
        assertThat(err.strip()).doesNotContain("\n");
        err = failing(new TrainCommand(), "--dataset", "ade20k", "--root", dir.toString(), "--config", "adm-tiny", "--head", "seg-linear",
                "--feedback", "all", "--cache", dir.resolve("cache").toString(), "--out", dir.resolve("run").toString());
        assertThat(err.strip()).isEqualTo("error: DifFeed's second pass (--feedback) needs the U-Net in the loop: it cannot train"
                + " from a feature cache; drop --cache");
    }

    private static String failing(Object command, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(command);
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute(args)).isEqualTo(Cli.USER_ERROR);
        return err.toString();
    }
}
