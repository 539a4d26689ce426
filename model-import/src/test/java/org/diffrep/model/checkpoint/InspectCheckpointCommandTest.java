package org.diffrep.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.common.cli.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class InspectCheckpointCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Cli.commandLine(new InspectCheckpointCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void listsEveryKeyShapeDtypeAndTheTotal() {
        assertThat(run(Fixtures.resource("adm-tiny/model.pt").toString())).isZero();
        String text = out.toString();
        assertThat(text).contains("torch zip, 562 tensors, 1,425,478 parameters")
                .contains("time_embed.0.weight\t128x32\tfloat32\t4096\n")
                .contains("total: 1,425,478 parameters in 562 tensors");
        assertThat(text.lines().filter(l -> l.split("\t").length == 4)).hasSize(563);
    }

    @Test
    void jsonForNpzWithAMatchingConfig() throws Exception {
        assertThat(run(Fixtures.resource("adm-tiny/model.npz").toString(), "--json", "--config", "adm-tiny")).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("format").asText()).isEqualTo("numpy npz");
        assertThat(json.get("tensorCount").asInt()).isEqualTo(562);
        assertThat(json.get("parameters").asLong()).isEqualTo(1_425_478L);
        assertThat(json.get("tensors").get(0).get("key").asText()).isEqualTo("time_embed.0.weight");
        assertThat(json.get("tensors").get(0).get("shape").toString()).isEqualTo("[128,32]");
        assertThat(json.get("check").get("matches").asBoolean()).isTrue();
    }

    @Test
    void configFromAJsonFileAndFullRead() {
        assertThat(run(Fixtures.resource("adm-tiny/model.pt").toString(), "--read",
                "--config", Fixtures.resource("adm-tiny/config.json").toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("read: 5,701,912 bytes as float32").contains("tensors with NaN/Inf: none")
                .contains("all keys and shapes match");
    }

    @Test
    void mismatchingConfigExitsOneAndNamesTheKeys() throws Exception {
        assertThat(run(Fixtures.resource("adm-tiny/model.pt").toString(), "--config", "adm-256-uncond")).isEqualTo(1);
        assertThat(out.toString()).contains("wrong shape time_embed.0.weight: expected 1024x256, actual 128x32")
                .contains("missing input_blocks.7.0.skip_connection.weight");
        out.getBuffer().setLength(0);
        assertThat(run(Fixtures.resource("checkpoint/module.pt").toString(), "--json", "--config", "adm-tiny")).isEqualTo(1);
        JsonNode check = new ObjectMapper().readTree(out.toString()).get("check");
        assertThat(check.get("matches").asBoolean()).isFalse();
        assertThat(check.get("unexpected").get(0).get("key").asText()).isEqualTo("0.weight");
        assertThat(check.get("missing").size()).isEqualTo(562);
    }

    @Test
    void unreadableFileExitsTwoWithOneLine(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.pt"), "hello");
        assertThat(run(bad.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: " + bad).contains("not a recognised checkpoint").hasLineCount(1);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void unknownConfigExitsTwo() {
        assertThat(run(Fixtures.resource("checkpoint/module.pt").toString(), "--config", "no-such-config")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown config 'no-such-config'");
    }
}
