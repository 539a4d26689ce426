package org.diffrep.training.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.common.cli.Cli;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.data.CubFolder;
import org.diffrep.training.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands end to end on the adm-tiny fixture and generated images. */
class CommandsTest {

    @TempDir
    Path dir;

    static String run(Object command, String... args) {
        StringWriter sw = new StringWriter();
        CommandLine cl = Cli.commandLine(command);
        cl.setOut(new PrintWriter(sw));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        assertThat(code).as("exit code; stderr: " + err).isZero();
        return sw.toString();
    }

    @Test
    void headInfoPrintsTheOfficialCounts() {
        assertThat(run(new HeadInfoCommand(), "--config", "adm-256-uncond", "--head", "attention", "--t", "150", "--blocks", "24",
                "--num-classes", "1000")).contains("trainable parameters: 27,786,216");
        assertThat(run(new HeadInfoCommand(), "--config", "adm-256-uncond", "--head", "diffeed", "--t", "150", "--blocks", "24",
                "--feedback", "bottleneck", "--num-classes", "1000")).contains("trainable parameters: 30,545,896");
        assertThat(run(new HeadInfoCommand(), "--config", "adm-256-uncond", "--head", "linear", "--pool", "avg:2", "--num-classes", "1000"))
                .contains("trainable parameters: 4,097,000");
    }

    @Test
    void headSpecificDefaultsComeFromTheModel() {
        // DifFormer's documented default on the paper's model: t 90,150,300 x blocks 19,24,30
        assertThat(run(new HeadInfoCommand(), "--config", "adm-256-uncond", "--head", "difformer", "--num-classes", "1000"))
                .contains("t=[90, 150, 300], blocks=[19, 24, 30]").contains("trainable parameters: 31,802,344");
        assertThat(run(new HeadInfoCommand(), "--config", "adm-256-uncond", "--head", "attention", "--num-classes", "1000"))
                .contains("t=[150], blocks=[24]").contains("trainable parameters: 27,786,216");
        // the embedded default: the shipped 19-block model, its measured best cell, Fashion-MNIST's 10 classes
        assertThat(run(new HeadInfoCommand(), "--head", "linear")).contains("adm-fmnist, t=[10], blocks=[13]").contains("10 classes");
        assertThat(run(new HeadInfoCommand(), "--head", "difformer")).contains("t=[10, 50, 100], blocks=[10, 13, 16]");
    }

    @Test
    void extractTrainResumeAndEvalFromTheCache() throws Exception {
        String ckpt = TestFixtures.admTinyCheckpoint().toString();
        Path out = dir.resolve("run");
        List<String> inputs = List.of("--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint", ckpt,
                "--limit-train", "16", "--limit-eval", "8", "--cache", dir.resolve("cache").toString(), "--head", "attention",
                "--no-progress");
        // extract refuses the head's shape options: they do not change the features it caches
        assertThat(run(new ExtractCommand(), inputs.toArray(new String[0]))).contains("cached t=[150] blocks=[24]");
        List<String> common = List.of(concat(inputs, "--dim", "16", "--attn-heads", "2", "--depth", "1"));
        String[] train = concat(common, "--epochs", "1", "--batch", "8", "--optimizer", "adam", "--out", out.toString());
        assertThat(run(new TrainCommand(), train)).contains("ATTENTION: 1 epochs".toLowerCase());
        String[] more = concat(common, "--epochs", "2", "--batch", "8", "--optimizer", "adam", "--out", out.toString(), "--resume");
        run(new TrainCommand(), more);
        assertThat(Files.readAllLines(out.resolve(Trainer.METRICS))).hasSize(3);
        JsonNode summary = new ObjectMapper().readTree(out.resolve(Trainer.SUMMARY).toFile());
        double lastTop1 = summary.get("final").get("evalTop1").asDouble();

        assertThat(run(new EvalCommand(), "--run", out.toString(), "--no-progress")).contains("top-1");
        JsonNode eval = new ObjectMapper().readTree(out.resolve("eval.json").toFile());
        assertThat(eval.get("top1").asDouble()).isEqualTo(lastTop1);
        assertThat(eval.get("images").asInt()).isEqualTo(8);

        // results first: when eval.json cannot be written (here a folder holds its name; tests run as root,
        // so a read-only folder would not stop them) the metrics are printed, then one error line, exit 2
        Files.delete(out.resolve("eval.json"));
        Files.createDirectories(out.resolve("eval.json")).resolve("in-the-way").toFile().createNewFile();
        StringWriter printed = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(new EvalCommand());
        cl.setOut(new PrintWriter(printed));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("--run", out.toString(), "--no-progress")).isEqualTo(2);
        assertThat(printed.toString()).contains("top-1 " + String.format(java.util.Locale.ROOT, "%.4f", lastTop1));
        assertThat(err.toString()).startsWith("error: could not write " + out.resolve("eval.json")).contains("the metrics above are not saved")
                .hasLineCount(1);
    }

    @Test
    void trainsGraphNativeOnACubLayout() throws Exception {
        Path root = dir.resolve("CUB_200_2011");
        CubFolder.writeSolid(root, 3, 4, 3);
        Path out = dir.resolve("cub-run");
        String result = run(new TrainCommand(), "--dataset", "cub", "--root", root.toString(), "--config", "adm-tiny",
                "--checkpoint", TestFixtures.admTinyCheckpoint().toString(), "--head", "linear", "--t", "150", "--blocks", "24",
                "--epochs", "1", "--batch", "9", "--optimizer", "adam", "--lr", "0.05", "--out", out.toString(), "--no-progress");
        assertThat(result).contains("linear: 1 epochs");
        JsonNode run = new ObjectMapper().readTree(out.resolve(Trainer.RUN).toFile());
        assertThat(run.get("train_data").asText()).startsWith("cub/train (9 images, 64 px");
        assertThat(run.get("eval_data").asText()).startsWith("cub/test (3 images, 64 px");
        assertThat(run.get("input").asText()).isEqualTo("images");
        JsonNode provenance = run.get("provenance");
        assertThat(provenance.get("command").asText()).isEqualTo("train");
        assertThat(provenance.get("diffrep_version").asText()).isNotBlank();
        assertThat(provenance.get("checkpoint_sha256").asText()).isEqualTo(run.get("checkpoint_sha256").asText());
        assertThat(provenance.get("splits").get("train").asText()).isEqualTo(run.get("train_data").asText());
        assertThat(provenance.get("seeds").get("head_init").asLong()).isZero();
        assertThat(provenance.get("finished").asText()).isGreaterThanOrEqualTo(provenance.get("started").asText());
    }

    private static String[] concat(List<String> a, String... b) {
        String[] r = a.toArray(new String[a.size() + b.length]);
        System.arraycopy(b, 0, r, a.size(), b.length);
        return r;
    }
}
