package org.diffrep.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each kind of bad input, through {@code bin/diffrep}'s command line: one line {@code error: …}
 * naming the value and what is allowed, exit code 2, no stack trace, and no heavy work first.
 */
class UserErrorsTest {

    @TempDir
    Path dir;

    static final String CHECKPOINT = CommandLineTest.FIXTURE.resolve("model.npz").toString();

    /** A tiny synthetic train run on the adm-tiny fixture, plus {@code extra} options. */
    static String[] train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint", CHECKPOINT,
                "--epochs", "1", "--batch", "4", "--no-progress", "--out", out.toString()));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    static CommandLineTest.Run oneLineError(String... args) {
        long start = System.nanoTime();
        CommandLineTest.Run r = CommandLineTest.run(args);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: ").doesNotContain("\tat ").hasLineCount(1);
        // loose: the machine may be busy; what matters is that no extraction or training ran first
        assertThat(seconds).as("fails before any heavy work").isLessThan(10);
        return r;
    }

    @Test
    void aMissingCheckpointIsNamedWithItsOption() {
        Path missing = dir.resolve("no-such-model.npz");
        CommandLineTest.Run r = oneLineError("train", "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint", missing.toString(),
                "--out", dir.resolve("run").toString());
        assertThat(r.err()).contains("--checkpoint " + missing + " does not exist");
    }

    @Test
    void aMissingDatasetRootIsNamedWithItsOption() {
        Path missing = dir.resolve("no-such-root");
        CommandLineTest.Run r = oneLineError("train", "--dataset", "cub", "--root", missing.toString(), "--checkpoint", CHECKPOINT,
                "--config", "adm-tiny", "--out", dir.resolve("run").toString());
        assertThat(r.err()).contains("--root " + missing + " does not exist");
    }

    @Test
    void unknownConfigHeadAndDatasetListWhatIsKnown() {
        assertThat(oneLineError("model-info", "--config", "adm-huge").err()).contains("unknown config 'adm-huge'").contains("adm-tiny");
        assertThat(oneLineError(train(dir.resolve("a"), "--head", "resnet")).err()).contains("unknown head 'resnet'").contains("attention");
        assertThat(oneLineError("train", "--dataset", "mnist", "--root", dir.toString(), "--checkpoint", CHECKPOINT, "--config", "adm-tiny")
                .err()).contains("unknown dataset \"mnist\"").contains("fashion-mnist");
    }

    @Test
    void aTimestepOutside0To999IsRefused() {
        assertThat(oneLineError(train(dir.resolve("a"), "--t", "1000")).err()).contains("--t 1000 is outside 0..999");
        assertThat(oneLineError(train(dir.resolve("b"), "--t", "-1")).err()).contains("--t -1 is outside 0..999");
    }

    @Test
    void aBlockOutsideTheModelIsRefused() {
        assertThat(oneLineError(train(dir.resolve("a"), "--blocks", "38")).err()).contains("--blocks 38 is outside 1..37");
        assertThat(oneLineError(train(dir.resolve("b"), "--blocks", "0")).err()).contains("--blocks 0 is outside 1..37");
    }

    @Test
    void aSegmentationDatasetIsRefusedByClassificationCommands() throws Exception {
        Path ade = dir.resolve("ADEChallengeData2016");
        Files.createDirectories(ade.resolve("images/training"));
        Files.createDirectories(ade.resolve("annotations/training"));
        CommandLineTest.Run r = oneLineError("train", "--dataset", "ade20k", "--root", dir.toString(), "--checkpoint", CHECKPOINT,
                "--config", "adm-tiny", "--out", dir.resolve("run").toString());
        assertThat(r.err()).contains("ade20k labels pixels, not images").contains("--head upernet|seg-linear");
    }

    @Test
    void badSegmentationOptionsAreOneLine() throws Exception {
        for (String d : List.of("images/training", "images/validation", "annotations/training", "annotations/validation")) {
            Files.createDirectories(dir.resolve(d));
        }
        assertThat(oneLineError("train", "--dataset", "ade20k", "--root", dir.toString(), "--checkpoint", CHECKPOINT, "--config", "adm-tiny",
                "--head", "upernet", "--adapter-width", "0", "--out", dir.resolve("a").toString()).err()).contains("upernet widths must be positive");
        assertThat(oneLineError("train", "--dataset", "ade20k", "--root", dir.toString(), "--checkpoint", CHECKPOINT, "--config", "adm-tiny",
                "--head", "seg-linear", "--scale-range", "0.5", "--out", dir.resolve("b").toString()).err()).contains("--scale-range takes two numbers");
    }

    @Test
    void optionsTheHeadWouldIgnoreAreOneLine() {
        assertThat(oneLineError(train(dir.resolve("a"), "--photometric")).err())
                .isEqualTo("error: --photometric is for the segmentation heads (seg-linear, upernet); linear does not use it\n");
        assertThat(oneLineError("train", "--dataset", "ade20k", "--root", dir.toString(), "--checkpoint", CHECKPOINT, "--config", "adm-tiny",
                "--head", "upernet", "--epochs", "3", "--out", dir.resolve("b").toString()).err())
                .contains("--epochs is for the classification heads; upernet trains for --iterations");
        assertThat(dir.resolve("a")).doesNotExist();
    }

    @Test
    void malformedYamlNamesTheFileAndLine() throws Exception {
        Path space = Files.writeString(dir.resolve("space.yaml"), "t: [10, 50\nblocks: {\n");
        CommandLineTest.Run r = oneLineError("sweep", "--space", space.toString(), "--out", dir.resolve("sweep").toString());
        assertThat(r.err()).contains(space.toString()).contains("not valid YAML: while parsing a flow sequence: expected ',' or ']'").contains("(line 2");
    }

    @Test
    void aCorruptCheckpointIsNamedAndTheRunIsNotStarted() throws Exception {
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("checkpoint.bin"), "DRCKPT01 cut short");
        CommandLineTest.Run r = oneLineError(train(run, "--resume"));
        assertThat(r.err()).contains("corrupt checkpoint " + run.resolve("checkpoint.bin"));
    }

    @Test
    void oddNumbersAreRefusedNotReinterpreted() {
        assertThat(oneLineError(train(dir.resolve("a"), "--limit-train", "-5")).err()).contains("--limit-train -5 must be at least 0");
        assertThat(oneLineError(train(dir.resolve("b"), "--threads", "0")).err()).contains("--threads 0 must be at least 1");
        assertThat(oneLineError(train(dir.resolve("c"), "--lr-gamma", "0")).err()).contains("--lr-gamma 0.0 must be a number greater than 0");
        assertThat(oneLineError(train(dir.resolve("d"), "--draws", "0")).err()).contains("--draws 0 must be at least 1");
        assertThat(oneLineError(train(dir.resolve("e"), "--extract-batch", "0")).err()).contains("--extract-batch 0 must be at least 1");
    }

    @Test
    void anOutputThatIsAFileOrAnEarlierRunIsRefusedBeforeAnyWork() throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        assertThat(oneLineError(train(file)).err()).contains("--out " + file + " is a file, not a folder");
        Path earlier = Files.createDirectories(dir.resolve("earlier"));
        Files.writeString(earlier.resolve("checkpoint.bin"), "x");
        assertThat(oneLineError(train(earlier)).err()).contains("already holds a run").contains("--resume");
    }

    /** knn or cka on tiny synthetic splits of the adm-tiny fixture, features cached in the test's folder, plus {@code extra}. */
    private String[] features(String command, String... extra) {
        List<String> args = new ArrayList<>(List.of(command, "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint", CHECKPOINT,
                "--no-progress", "--cache", dir.resolve("cache").toString()));
        if (command.equals("knn")) args.addAll(List.of("--limit-train", "8"));   // cka reads the evaluation split only
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    @Test
    void knnChecksEveryOptionAndItsOutputBeforeAnyExtraction() throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        Path out = dir.resolve("knn.json");
        assertThat(oneLineError(features("knn", "--out", out.toString(), "--k", "10,0")).err()).contains("--k 0 must be at least 1");
        assertThat(oneLineError(features("knn", "--out", out.toString(), "--temperature", "0")).err())
                .contains("--temperature 0.0 must be a number greater than 0");
        assertThat(oneLineError(features("knn", "--out", out.toString(), "--chunk", "0")).err()).contains("--chunk 0 must be at least 1");
        assertThat(oneLineError(features("knn", "--out", out.toString(), "--t", "1000")).err()).contains("--t 1000 is outside 0..999");
        assertThat(oneLineError(features("knn", "--out", out.toString(), "--blocks", "38")).err()).contains("--blocks 38 is outside 1..37");
        assertThat(oneLineError(features("knn", "--out", out.toString(), "--extract-batch", "0")).err())
                .contains("--extract-batch 0 must be at least 1");
        assertThat(oneLineError(features("knn", "--out", out.toString(), "--pool", "avg:x")).err()).contains("bad pooling 'avg:x'");
        assertThat(oneLineError(features("knn", "--out", dir.toString())).err()).contains("--out " + dir + " is a folder, not a file");
        assertThat(oneLineError(features("knn", "--out", file.resolve("knn.json").toString())).err()).contains(file + " is a file, not a folder");
        assertThat(oneLineError("knn", "--cache", file.toString(), "--out", out.toString()).err()).contains("--cache " + file + " is a file, not a folder");
        assertThat(dir.resolve("cache")).as("nothing was extracted").doesNotExist();
        assertThat(out).doesNotExist();
    }

    @Test
    void ckaChecksEveryOptionFileAndItsOutputBeforeAnyExtraction() throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        Path out = dir.resolve("cka").toAbsolutePath();
        assertThat(oneLineError(features("cka", "--out", file.toString())).err()).contains("--out " + file + " is a file, not a folder");
        assertThat(oneLineError(features("cka", "--out", out.toString(), "--samples", "0")).err()).contains("--samples 0 must be at least 1");
        assertThat(oneLineError(features("cka", "--out", out.toString(), "--estimator", "minibatch", "--batch", "2")).err())
                .contains("--batch 2 must be at least 4");
        assertThat(oneLineError(features("cka", "--out", out.toString(), "--block-mb", "0")).err()).contains("--block-mb 0 must be at least 1");
        assertThat(oneLineError(features("cka", "--out", out.toString(), "--t", "-1")).err()).contains("--t -1 is outside 0..999");
        Path missing = dir.resolve("other-network.npy");
        assertThat(oneLineError(features("cka", "--out", out.toString(), "--npy", missing.toString())).err())
                .contains("--npy " + missing + " does not exist");
        assertThat(oneLineError(features("cka", "--out", out.toString(), "--npy", file.toString())).err()).contains("--npy " + file);
        assertThat(dir.resolve("cache")).as("nothing was extracted").doesNotExist();
        assertThat(out).doesNotExist();
    }

    @Test
    void sweepChecksItsSpaceFileAndOutputBeforeAnyBackbonePass() throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        Path space = Files.writeString(dir.resolve("space.yaml"), "t: [10]\nblocks: [2]\n");
        Path missing = dir.resolve("no-such-space.yaml");
        assertThat(oneLineError("sweep", "--space", missing.toString(), "--out", dir.resolve("s").toString()).err())
                .contains("--space " + missing + " does not exist");
        assertThat(oneLineError("sweep", "--space", space.toString(), "--out", file.toString()).err()).contains("--out " + file + " is a file, not a folder");
        assertThat(oneLineError("sweep", "--space", space.toString(), "--out", dir.resolve("s").toString(), "--top", "0").err())
                .contains("--top 0 must be at least 1");
        assertThat(dir.resolve("s")).doesNotExist();
    }

    @Test
    void requestsThatCannotFitInMemoryAreRefusedWithTheEstimateBeforeAnyExtraction() throws Exception {
        // 16,000 full-resolution maps of block 1 (32 channels at 64x64) as kNN queries: far beyond the tests' 3 GB heap
        CommandLineTest.Run knn = oneLineError(features("knn", "--out", dir.resolve("knn.json").toString(), "--limit-eval", "16000",
                "--t", "10", "--blocks", "1", "--pool", "none"));
        assertThat(knn.err()).contains("kNN of 16,000 queries").contains("needs about").containsPattern("GiB of (Java heap|memory)")
                .contains("lower --limit-eval");
        // two full 40,000 x 40,000 Gram matrices and their centred copies
        CommandLineTest.Run cka = oneLineError(features("cka", "--out", dir.resolve("cka").toString(), "--samples", "40000",
                "--t", "10", "--blocks", "1,2"));
        assertThat(cka.err()).contains("linear CKA of 2 representations on 40,000 images needs about").contains("--estimator minibatch");
        // three full-resolution blocks as attention tokens: 12,289 tokens, 8 heads, two transformer blocks of scores
        CommandLineTest.Run attention = oneLineError(train(dir.resolve("a"), "--head", "attention", "--blocks", "1,2,3", "--pool-cap", "64"));
        assertThat(attention.err()).contains("the attention head's attention scores (batch 4 x ").contains("8 heads, 12,289 tokens")
                .contains("needs about").contains("--pool-cap");
        // a training step on 200,000 images, measured on 1 and 2 first: hundreds of GB of activations
        CommandLineTest.Run step = oneLineError("train", "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint", CHECKPOINT,
                "--limit-train", "200000", "--batch", "200000", "--no-progress", "--out", dir.resolve("b").toString());
        assertThat(step.err()).contains("a training step of the linear head at batch 200000").contains("per image, measured on 1 and 2 images")
                .contains("needs about").containsPattern("lower --batch \\(at most \\d+ fits\\), --pool");
        // one forward of 200,000 images through the whole U-Net: the skip connections alone hold hundreds of GB
        CommandLineTest.Run extract = oneLineError("extract", "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint", CHECKPOINT,
                "--limit-train", "200000", "--shard-size", "200000", "--extract-batch", "200000", "--blocks", "37",
                "--cache", dir.resolve("cache").toString(), "--no-progress");
        assertThat(extract.err()).contains("one adm-tiny forward of 200,000 images up to block 37 needs about").contains("--extract-batch (200000 now)");
        try (var written = Files.walk(dir.resolve("cache"))) {
            assertThat(written.filter(p -> p.toString().endsWith(".feat"))).as("nothing was extracted").isEmpty();
        }
    }

    @Test
    void aBadOptionValueIsOneLine() {
        assertThat(oneLineError(train(dir.resolve("a"), "--epochs", "many")).err()).contains("'--epochs'").contains("diffrep train --help");
    }
}
