package org.diffrep.e2e;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.diffrep.app.Diffrep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The libraries' chatter (ND4J's per-op property warnings, ...) stays out of the user's way unless asked for with --verbose. */
class LogNoiseTest {

    @TempDir
    Path dir;

    private static void configure(String resource) throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        URL url = Diffrep.class.getResource(resource);
        assertThat(url).as(resource).isNotNull();
        configurator.doConfigure(url);
    }

    @AfterEach
    void backToTheTestConfiguration() throws Exception {
        configure("/logback-test.xml");
    }

    @Test
    void libraryWarningsAreHiddenUnlessVerbose() throws Exception {
        configure("/logback.xml"); // what bin/diffrep runs with
        org.slf4j.Logger nd4j = LoggerFactory.getLogger("org.nd4j.autodiff.functions.DifferentialFunction");
        org.slf4j.Logger ours = LoggerFactory.getLogger("org.diffrep.training.train.Trainer");
        Diffrep.commandLine().parseArgs("head-info");
        assertThat(nd4j.isWarnEnabled()).isFalse();
        assertThat(ours.isInfoEnabled()).isTrue();
        Diffrep.commandLine().parseArgs("head-info", "--verbose");
        assertThat(nd4j.isWarnEnabled()).isTrue();
        assertThat(nd4j.isInfoEnabled()).isTrue();
    }

    /** bin/diffrep in a process of its own: logging is configured by logback finding the app's logback.xml itself, at whatever moment the first class logs. */
    private Launcher.Launched launch(String name, String... args) throws Exception {
        return Launcher.run(dir, name, Duration.ofMinutes(2), args);
    }

    /** A one-epoch linear head on four synthetic images: builds and trains a SameDiff graph, where ND4J warns about its op mappings. */
    private String[] tinyTrain(String run, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint",
                CommandLineTest.FIXTURE.resolve("model.npz").toString(), "--blocks", "2", "--limit-train", "4", "--limit-eval", "4",
                "--epochs", "1", "--batch", "4", "--no-progress", "--out", dir.resolve(run).toString()));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    @Test
    void aRealRunShowsNd4jsWarningsOnlyWithVerbose() throws Exception {
        Launcher.Launched verbose = launch("verbose", tinyTrain("verbose", "--verbose"));
        assertThat(verbose.exit()).as(verbose.err()).isZero();
        // the control: this run does reach ND4J's warnings, so their absence below means they were hidden
        assertThat(verbose.err()).contains("WARN  ImportClassMapping - Duplicate TF op mapping");

        Launcher.Launched quiet = launch("quiet", tinyTrain("quiet"));
        assertThat(quiet.exit()).as(quiet.err()).isZero();
        assertThat(quiet.out()).contains("linear: 1 epochs");
        // diffrep's own log still comes through the launcher's pattern
        assertThat(quiet.err()).containsPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Trainer - epoch 1/1");
        assertThat(quiet.err().lines().filter(line -> line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (WARN|ERROR) .*")))
                .as("no warnings on a clean run: " + quiet.err()).isEmpty();
        assertThat(quiet.err()).doesNotContain("ImportClassMapping").doesNotContain("DifferentialFunction").doesNotContain("Nd4jBackend");
    }
}
