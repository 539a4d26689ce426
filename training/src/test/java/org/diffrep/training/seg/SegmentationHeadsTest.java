package org.diffrep.training.seg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.SegmentationOptions;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.runtime.TrainingStep;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.cli.EvalCommand;
import org.diffrep.training.cli.HeadInfoCommand;
import org.diffrep.training.cli.TrainCommand;
import org.diffrep.training.train.Checkpoint;
import org.diffrep.training.train.StepMemory;
import org.diffrep.training.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Both segmentation heads for a few iterations on adm-tiny and a small ADE20K layout written here. */
class SegmentationHeadsTest {

    static final AdmConfig TINY = AdmConfigs.get("adm-tiny");

    @TempDir
    Path dir;

    /**
     * ADEChallengeData2016 with images of w x h: the left part sky-blue labelled 3, a red box labelled
     * 7, the rest grey labelled 0 (other, ignored).
     */
    static Path writeAde20k(Path root, int perSplit, int w, int h) throws Exception {
        Path base = root.resolve("ADEChallengeData2016");
        for (String[] split : new String[][] {{"training", "train"}, {"validation", "val"}}) {
            Path images = Files.createDirectories(base.resolve("images").resolve(split[0]));
            Path labels = Files.createDirectories(base.resolve("annotations").resolve(split[0]));
            for (int i = 1; i <= perSplit; i++) {
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                BufferedImage lab = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
                Graphics2D g = img.createGraphics();
                g.setColor(Color.GRAY);
                g.fillRect(0, 0, w, h);
                g.setColor(new Color(100, 180, 255));
                g.fillRect(0, 0, w / 3, h);
                g.setColor(Color.RED);
                int bx = w / 2 + i * 2;
                g.fillRect(bx, h / 4, w / 4, h / 2);
                g.dispose();
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int v = x < w / 3 ? 3 : x >= bx && x < bx + w / 4 && y >= h / 4 && y < h / 4 + h / 2 ? 7 : 0;
                        lab.getRaster().setSample(x, y, 0, v);
                    }
                }
                String stem = "ADE_" + split[1] + "_" + String.format("%08d", i);
                ImageIO.write(img, "jpg", images.resolve(stem + ".jpg").toFile());
                ImageIO.write(lab, "png", labels.resolve(stem + ".png").toFile());
            }
        }
        return root;
    }

    static String run(Object command, String... args) {
        StringWriter sw = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(sw));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        assertThat(code).as("exit code; stderr: " + err).isZero();
        return sw.toString();
    }

    private List<String> trainArgs(Path root, String head, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("--dataset", "ade20k", "--root", root.toString(), "--config", "adm-tiny",
                "--checkpoint", TestFixtures.admTinyCheckpoint().toString(), "--head", head, "--t", "50", "--blocks", "30",
                "--batch", "2", "--lr", "1e-3", "--checkpoint-every", "2", "--out", out.toString(), "--no-progress"));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void segLinearTrainsEvaluatesAndWritesPredictionsInTheAnnotationFormat() throws Exception {
        Path root = writeAde20k(dir.resolve("ade"), 2, 80, 60);
        Path out = dir.resolve("run");
        String printed = run(new TrainCommand(), trainArgs(root, "seg-linear", out, "--iterations", "3").toArray(new String[0]));
        assertThat(printed).contains("seg-linear: 3 iterations").contains("mIoU");
        JsonNode summary = new ObjectMapper().readTree(out.resolve(Trainer.SUMMARY).toFile());
        assertThat(summary.get("miou").asDouble()).isBetween(0.0, 100.0);
        assertThat(summary.get("pixel_accuracy").asDouble()).isBetween(0.0, 100.0);
        assertThat(summary.get("per_class")).hasSize(150);
        assertThat(Files.readAllLines(out.resolve(Trainer.METRICS))).hasSize(3);

        Path predictions = dir.resolve("pred");
        assertThat(run(new EvalCommand(), "--run", out.toString(), "--save-predictions", predictions.toString(), "--no-progress"))
                .contains("mIoU");
        List<Path> files;
        try (Stream<Path> s = Files.list(predictions)) {
            files = s.sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("ADE_val_00000001.png", "ADE_val_00000002.png");
        for (Path f : files) {
            BufferedImage p = ImageIO.read(f.toFile());
            assertThat(p.getWidth()).isEqualTo(80);
            assertThat(p.getHeight()).isEqualTo(60);
            int[] values = p.getRaster().getPixels(0, 0, 80, 60, (int[]) null);
            assertThat(java.util.Arrays.stream(values).min().orElseThrow()).isGreaterThanOrEqualTo(1);
            assertThat(java.util.Arrays.stream(values).max().orElseThrow()).isLessThanOrEqualTo(150);
        }
        // eval scores the saved head exactly as training's final evaluation did
        JsonNode eval = new ObjectMapper().readTree(out.resolve("eval.json").toFile());
        assertThat(eval.get("miou").asDouble()).isEqualTo(summary.get("miou").asDouble());
    }

    @Test
    void upernetTrainsAndResumesExactly() throws Exception {
        Path root = writeAde20k(dir.resolve("ade"), 2, 72, 64);
        // with the photometric distortion: its draws are a function of (iteration, image) too
        String[] widths = {"--adapter-width", "8", "--decoder-channels", "8", "--iterations", "4", "--photometric"};
        Path straight = dir.resolve("straight");
        run(new TrainCommand(), trainArgs(root, "upernet", straight, widths).toArray(new String[0]));
        Path resumed = dir.resolve("resumed");
        List<String> first = trainArgs(root, "upernet", resumed, widths);
        first.addAll(List.of("--stop-after", "2"));
        assertThat(run(new TrainCommand(), first.toArray(new String[0]))).contains("stopped after");
        List<String> second = trainArgs(root, "upernet", resumed, widths);
        second.add("--resume");
        run(new TrainCommand(), second.toArray(new String[0]));
        Checkpoint a = Checkpoint.read(straight.resolve(Trainer.CHECKPOINT));
        Checkpoint b = Checkpoint.read(resumed.resolve(Trainer.CHECKPOINT));
        assertThat(a.arrays().keySet()).contains("seg.psp.scale6.bn.running_mean", "seg.adapter.t50_b30.weight", "optimizer/adam_m/seg.classifier.weight");
        for (String name : a.arrays().keySet()) {
            assertThat(b.arrays().get(name)).as(name).isEqualTo(a.arrays().get(name));
        }
    }

    @Test
    void anUpernetStepIsMeasuredOnTwoSmallBatchesAndPredictsALargerOne() {
        SegHeadConfig head = new SegHeadConfig(SegHeadKind.UPERNET, List.of(50, 150), List.of(24, 30), 150, 8, 8);
        SegGraph g = SegGraph.onBackbone(head, TINY, TestFixtures.admTinyWeights()::get, 1);
        TrainingStep.Memory memory = StepMemory.measure(g, g::zeroBatch, List.of(SegGraph.LOSS));
        long measured = TrainingStep.measure(g.sameDiff(), g.zeroBatch(4), List.of(SegGraph.LOSS), g.trainableNames()).peakBytes();
        // 150-class logits at 64x64 and their gradients alone are 4.9 MB per image
        assertThat(memory.bytesPerImage()).isGreaterThan(4_915_200L);
        assertThat((double) memory.at(4)).isCloseTo(measured, org.assertj.core.api.Assertions.within(0.05 * measured));
    }

    @Test
    void theFrozenUNetIsBitIdenticalAfterTrainingAndOnlyTheHeadMoves() throws Exception {
        Path root = writeAde20k(dir.resolve("ade"), 2, 64, 64);
        StateDict w = TestFixtures.admTinyWeights();
        SegHeadConfig head = new SegHeadConfig(SegHeadKind.UPERNET, List.of(50, 150), List.of(24, 30), 150, 8, 8);
        SegGraph g = SegGraph.onBackbone(head, TINY, w::get, 1);
        Map<String, INDArray> before = TestFixtures.frozenWeights(g.sameDiff(), w, g.trainableNames());
        Map<String, INDArray> headBefore = new LinkedHashMap<>();
        for (String n : g.trainableNames()) headBefore.put(n, g.array(n).dup());

        ImageDataset ds = DatasetRegistry.open("ade20k", root);
        SegData train = new DatasetSegData(ds, "train", 64, SegmentationOptions.ade20k(), 0, 1, 0.01);
        SegTrainConfig tc = new SegTrainConfig(2, 2, 1e-2, 0.01, 0, 1.0, 0, 2, 2);
        SegMetrics.Result r = new SegTrainer(g, new SegFeeder(train, SegGraph.Input.IMAGES, head.timesteps(), 0),
                new SegFeeder(train, SegGraph.Input.IMAGES, head.timesteps(), 0), tc, dir.resolve("run"),
                new ObjectMapper().createObjectNode(), train.classNames()).optProgress(false).run(false);
        assertThat(r.presentClasses()).isNotEmpty();
        before.forEach((name, arr) -> assertThat(g.sameDiff().getVariable(name).getArr()).as(name).isEqualTo(arr));
        assertThat(headBefore.entrySet()).anyMatch(e -> !g.array(e.getKey()).equals(e.getValue()));
        assertThat(g.array("seg.classifier.weight")).isNotEqualTo(headBefore.get("seg.classifier.weight"));
    }

    @Test
    void headInfoCountsTheSegmentationHeads() {
        // seg-linear on block 24 of ADM-256 (1024 channels): 1024 x 150 + 150
        assertThat(run(new HeadInfoCommand(), "--config", "adm-256-uncond", "--head", "seg-linear", "--t", "90", "--blocks", "24",
                "--num-classes", "150")).contains("trainable parameters: 153,750");
        long counted = SegGraph.countParameters(new SegHeadConfig(SegHeadKind.UPERNET, List.of(90), List.of(24), 150, 1024, 512),
                AdmConfigs.get("adm-256-uncond")).total();
        assertThat(run(new HeadInfoCommand(), "--config", "adm-256-uncond", "--head", "upernet", "--t", "90", "--blocks", "24",
                "--num-classes", "150")).contains(String.format("trainable parameters: %,d", counted));
        assertThat(counted).isEqualTo(upernetByHand(1024, 1024, 512, 150));
    }

    /** The UperNet's parameters summed layer by layer (convs before BatchNorm have no bias). */
    static long upernetByHand(long tapChannels, long w, long d, long k) {
        long adapter = tapChannels * w + w;
        long ppm = 4 * (w * d + 2 * d);
        long bottleneck = 9 * (w + 4 * d) * d + 2 * d;
        long laterals = 3 * (w * d + 2 * d);
        long fpn = 3 * (9 * d * d + 2 * d);
        long fuse = 9 * 4 * d * d + 2 * d;
        long classifier = d * k + k;
        return adapter + ppm + bottleneck + laterals + fpn + fuse + classifier;
    }

    @Test
    void classificationHeadsRefuseSegmentationDatasets() throws Exception {
        Path root = writeAde20k(dir.resolve("ade"), 1, 64, 64);
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new TrainCommand());
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        int code = cl.execute("--dataset", "ade20k", "--root", root.toString(), "--config", "adm-tiny", "--checkpoint",
                TestFixtures.admTinyCheckpoint().toString(), "--head", "linear", "--no-progress", "--out", dir.resolve("x").toString());
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--head upernet|seg-linear");
    }
}
