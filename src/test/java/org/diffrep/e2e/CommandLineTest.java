package org.diffrep.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.app.Diffrep;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher's commands as a user runs them, on the adm-tiny fixture. */
class CommandLineTest {

    static final Path FIXTURE = Path.of(System.getProperty("diffrep.fixture.adm-tiny"));

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Diffrep.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void everyCommandHasHelp() {
        CommandLine cl = Diffrep.commandLine();
        for (String name : cl.getSubcommands().keySet()) {
            if (name.equals("help")) continue;
            Run r = run(name, "--help");
            assertThat(r.exit()).as(name).isZero();
            assertThat(r.out()).as(name).contains("Usage: diffrep " + name);
        }
    }

    @Test
    void verifyBlocksPassesOnTheFixtureWithItsTorchCheckpoint() {
        Run r = run("verify-blocks", "--fixture", FIXTURE.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("173 tensors checked, 0 out of tolerance");
    }

    @Test
    void verifyBlocksFailsForAnUnreachableTolerance() {
        Run r = run("verify-blocks", "--fixture", FIXTURE.toString(), "--checkpoint", FIXTURE.resolve("model.npz").toString(),
                "--tolerance", "1e-9");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("FAIL");
    }

    @Test
    void inspectCheckpointMatchesTheConfig() {
        Run r = run("inspect-checkpoint", FIXTURE.resolve("model.pt").toString(), "--config", "adm-tiny");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("1,425,478");
        Run wrong = run("inspect-checkpoint", FIXTURE.resolve("model.pt").toString(), "--config", "adm-256-uncond");
        assertThat(wrong.exit()).isEqualTo(1);
    }

    @Test
    void modelInfoPrintsTheBlockTableOfThePapersModel() {
        Run r = run("model-info", "--config", "adm-256-uncond");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("552,814,086 parameters").contains("output_blocks.4", "16x16");
    }

    @Test
    void benchForwardPrintsValidJson() throws Exception {
        Run r = run("bench", "forward", "--config", "adm-tiny", "--blocks", "19,24", "--t", "50,150",
                "--warmup", "0", "--runs", "1", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("config").asText()).isEqualTo("adm-tiny");
        assertThat(json.get("full").get("median_s").asDouble()).isPositive();
        assertThat(json.get("tap").get("blocks").size()).isEqualTo(2);
        assertThat(json.get("all_taps").get("images_per_s").asDouble()).isPositive();
        assertThat(json.get("tap_speedup").asDouble()).isPositive();
        assertThat(json.get("gflops_per_s").asDouble()).isPositive();
        assertThat(json.get("peak_rss_mb").asDouble()).isPositive();
    }
}
