package org.diffrep.training.cli;

import org.diffrep.common.cli.Cli;
import org.diffrep.training.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** extract on the adm-tiny fixture: shards, a rerun that reuses them, and an impossible request refused up front. */
class ExtractCommandTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private Result extract(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint",
                TestFixtures.admTinyCheckpoint().toString(), "--head", "linear", "--t", "150", "--blocks", "12", "--limit-train", "12",
                "--limit-eval", "4", "--cache", dir.resolve("cache").toString(), "--no-progress"));
        args.addAll(List.of(extra));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(new ExtractCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args.toArray(new String[0]));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void aRerunReusesEveryShard() throws Exception {
        Result first = extract("--shard-size", "5");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("4 shards computed, 0 reused");   // 12 training images in 3 shards, 4 evaluation images in 1
        Result again = extract("--shard-size", "5");
        assertThat(again.out()).contains("0 shards computed, 4 reused, 0 B written");
        try (Stream<Path> files = Files.walk(dir.resolve("cache"))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json") && n.startsWith("shard-"))).hasSize(4);
        }
    }

    @Test
    void aRequestTheDiskCannotHoldIsRefusedInOneLineBeforeAnyForward() {
        Result r = extract("--draws", "2147483647");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: not enough space for the feature cache in ").contains(" needs ", " free ")
                .doesNotContain("\n").doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }
}
