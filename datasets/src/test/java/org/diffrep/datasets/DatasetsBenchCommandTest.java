package org.diffrep.datasets;

import org.diffrep.common.cli.Cli;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class DatasetsBenchCommandTest {

    @Test
    void benchOnSyntheticJpegsPrintsARatePerThreadCount() {
        StringWriter out = new StringWriter();
        CommandLine cl = Cli.commandLine(new DatasetsCommand());
        cl.setOut(new PrintWriter(out));
        int exit = cl.execute("bench", "--synthetic", "24", "--synthetic-size", "120x90", "--size", "32", "--batch", "8",
                "--limit", "24", "--threads", "1,2");
        assertThat(exit).isZero();
        assertThat(out.toString().lines().filter(l -> l.contains("images/s"))).hasSize(2)
                .allMatch(l -> l.matches("imagenet train: [0-9.]+ images/s, [0-9.]+ CPU ms/image .*"));
    }
}
