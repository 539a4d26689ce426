package org.diffrep.training.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.training.TestFixtures;
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
        CommandLine cl = new CommandLine(command);
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
        assertThat(run(new HeadInfoCommand(), "--head", "linear", "--pool", "avg:2", "--num-classes", "1000"))
                .contains("trainable parameters: 4,097,000");
    }

    @Test
    void extractTrainResumeAndEvalFromTheCache() throws Exception {
        String ckpt = TestFixtures.admTinyCheckpoint().toString();
        Path out = dir.resolve("run");
        List<String> common = List.of("--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint", ckpt,
                "--limit-train", "16", "--limit-eval", "8", "--cache", dir.resolve("cache").toString(), "--head", "attention",
                "--dim", "16", "--attn-heads", "2", "--depth", "1", "--no-progress");
        assertThat(run(new ExtractCommand(), common.toArray(new String[0]))).contains("cached t=[150] blocks=[24]");
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
    }

    private static String[] concat(List<String> a, String... b) {
        String[] r = a.toArray(new String[a.size() + b.length]);
        System.arraycopy(b, 0, r, a.size(), b.length);
        return r;
    }
}
