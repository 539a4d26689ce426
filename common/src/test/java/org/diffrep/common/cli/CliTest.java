package org.diffrep.common.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.common.UserInputException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest {

    /** Fails the way it is told to. */
    @Command(name = "probe")
    static final class Probe implements Callable<Integer> {
        @Option(names = "--fail") String fail = "none";
        @Option(names = "--count") int count;
        @Option(names = "--file") Path file;

        @Override
        public Integer call() throws Exception {
            switch (fail) {
                case "input" -> throw new UserInputException("--count 7 is outside 1..3");
                case "wrapped-input" -> throw new IllegalStateException("while loading", new UserInputException("unknown config 'x'"));
                case "missing" -> throw new UncheckedIOException(new NoSuchFileException("/no/such/model.npz"));
                case "json" -> new ObjectMapper().readTree("{\"a\": [1, 2");
                case "json-file" -> {
                    try {
                        new ObjectMapper().readTree(file.toFile());
                    } catch (JsonProcessingException e) {
                        throw UserInputException.malformed(file, e);
                    }
                }
                case "bug" -> throw new NullPointerException("a bug");
                default -> { }
            }
            return 0;
        }
    }

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(new Probe());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void aUserInputProblemIsOneLineAndExitTwo() {
        Run r = run("--fail", "input");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --count 7 is outside 1..3" + System.lineSeparator());
    }

    @Test
    void aWrappedUserInputProblemIsReportedByItsOwnMessage() {
        Run r = run("--fail", "wrapped-input");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: unknown config 'x'");
    }

    @Test
    void aMissingFileNamesThePath() {
        Run r = run("--fail", "missing");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: /no/such/model.npz does not exist");
    }

    @Test
    void malformedJsonOrYamlNamesLineAndColumn() {
        Run r = run("--fail", "json");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: malformed input: Unexpected end-of-input").contains("(line 1, column").hasLineCount(1);
    }

    @Test
    void aBadOptionIsOneLineNamingTheHelp() {
        Run r = run("--count", "many");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: Invalid value for option '--count'").endsWith("(see 'probe --help')")
                .hasLineCount(1);
    }

    @Test
    void aBugKeepsItsStackTrace() {
        Run r = run("--fail", "bug");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("java.lang.NullPointerException: a bug").contains("at org.diffrep.common.cli.CliTest$Probe.call");
    }

    @Test
    void aMalformedFileIsNamed() throws Exception {
        Path json = Files.createTempFile("space", ".json");
        try {
            Files.writeString(json, "{\n  \"t\": [1,\n");
            Run r = run("--fail", "json-file", "--file", json.toString());
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err().strip()).startsWith("error: malformed " + json + ": ").contains("(line 3, column").hasLineCount(1);
        } finally {
            Files.deleteIfExists(json);
        }
    }
}
