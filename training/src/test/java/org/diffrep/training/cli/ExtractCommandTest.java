package org.diffrep.training.cli;

import org.diffrep.training.CommandRun;
import org.diffrep.training.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** extract on the adm-tiny fixture: shards, a rerun that reuses them, and an impossible request refused up front. */
class ExtractCommandTest {

    @TempDir
    Path dir;

    private CommandRun extract(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint",
                TestFixtures.admTinyCheckpoint().toString(), "--head", "linear", "--t", "150", "--blocks", "12", "--limit-train", "12",
                "--limit-eval", "4", "--cache", dir.resolve("cache").toString(), "--no-progress"));
        args.addAll(List.of(extra));
        return CommandRun.of(new ExtractCommand(), args.toArray(new String[0]));
    }

    @Test
    void aRerunReusesEveryShard() throws Exception {
        CommandRun first = extract("--shard-size", "5");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("4 shards computed, 0 reused");   // 12 training images in 3 shards, 4 evaluation images in 1
        CommandRun again = extract("--shard-size", "5");
        assertThat(again.out()).contains("0 shards computed, 4 reused, 0 B written");
        try (Stream<Path> files = Files.walk(dir.resolve("cache"))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json") && n.startsWith("shard-"))).hasSize(4);
        }
    }

    @Test
    void aRequestTheDiskCannotHoldIsRefusedInOneLineBeforeAnyForward() {
        CommandRun r = extract("--draws", "2147483647");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: not enough space for the feature cache in ").contains(" needs ", " free ")
                .doesNotContain("\n").doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }
}
