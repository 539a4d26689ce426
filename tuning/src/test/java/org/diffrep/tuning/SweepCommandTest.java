package org.diffrep.tuning;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SweepCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new SweepCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private String[] tiny(Path space) {
        return new String[]{"--space", space.toString(), "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint",
                TinySweep.CHECKPOINT.toString(), "--limit-train", "8", "--limit-eval", "8", "--out", dir.resolve("out").toString(), "--no-progress"};
    }

    @Test
    void aBadSpaceFileFailsNamingTheField() throws Exception {
        Path space = Files.writeString(dir.resolve("space.yaml"), "t: [50]\nblocks: [2]\npoling: [avg:2]\n");
        assertThat(run(tiny(space))).isEqualTo(2);
        assertThat(err.toString()).contains("space.yaml").contains("field 'poling': unknown field");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void blocksTheModelDoesNotHaveFailNamingTheField() throws Exception {
        Path space = Files.writeString(dir.resolve("space.yaml"), "t: [50]\nblocks: [2, 38]\n");
        assertThat(run(tiny(space))).isEqualTo(2);
        assertThat(err.toString()).contains("field 'blocks': block 38 is outside 1..37 of adm-tiny");
    }

    @Test
    void sweepsPrintsTheRankingAndARerunSkipsEverything() throws Exception {
        Path space = Files.writeString(dir.resolve("space.yaml"), "t: [50]\nblocks: [2]\ntrain: {epochs: 1, batch: 8}\n");
        assertThat(run(tiny(space))).as(err.toString()).isZero();
        assertThat(out.toString()).contains("top-1%").contains("1 candidates: 0 finished earlier, 1 trained now").contains("1 backbone pass(es), 16 noised images");
        assertThat(dir.resolve("out").resolve(Sweep.RESULTS)).isRegularFile();
        assertThat(dir.resolve("out").resolve(Sweep.RANKING)).isRegularFile();
        assertThat(dir.resolve("out").resolve(Sweep.HEATMAP)).isRegularFile();
        out.getBuffer().setLength(0);
        assertThat(run(tiny(space))).isZero();
        assertThat(out.toString()).contains("1 candidates: 1 finished earlier, 0 trained now").contains("0 backbone pass(es), 0 noised images");
    }
}
