package org.diffrep.e2e;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.diffrep.app.Diffrep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a user sees on stderr: the libraries' chatter (ND4J's per-op property warnings, ...) only with
 * --verbose; diffrep's own status lines unless --quiet; progress bars unless --no-progress.
 */
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

    @Test
    void quietKeepsOnlyDiffrepsWarningsAndTheResults() throws Exception {
        Launcher.Launched quiet = launch("silent", tinyTrain("silent", "--quiet"));
        assertThat(quiet.exit()).as(quiet.err()).isZero();
        assertThat(quiet.out()).contains("linear: 1 epochs");
        // the control, aRealRunShowsNd4jsWarningsOnlyWithVerbose: without --quiet the same run logs each epoch at INFO
        assertThat(quiet.err().lines().filter(line -> line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO .*"))).as(quiet.err()).isEmpty();
    }

    @Test
    void pretrainsBarFollowsItsStepsUnlessNoProgress() throws Exception {
        // a 1-channel 32 px model small enough for a step in well under a second, on the first 8 shipped images
        Path config = Files.writeString(dir.resolve("tiny-fmnist.json"), "{\"image_size\": 32, \"in_channels\": 1, \"num_channels\": 8,"
                + " \"channel_mult\": \"1,2\", \"num_res_blocks\": 1, \"attention_resolutions\": \"16\", \"num_heads\": 2,"
                + " \"groupnorm_groups\": 4}");
        List<String> run = List.of("pretrain", "--config", config.toString(), "--limit", "8", "--batch", "4", "--steps", "2", "--checkpoint-every", "2");
        Launcher.Launched bar = launch("bar", concat(run, "--out", dir.resolve("bar").toString()));
        assertThat(bar.exit()).as(bar.err()).isZero();
        assertThat(bar.err()).contains("2/2").contains("(avg ");
        Launcher.Launched none = launch("no-bar", concat(run, "--out", dir.resolve("no-bar").toString(), "--no-progress"));
        assertThat(none.exit()).as(none.err()).isZero();
        assertThat(none.err()).contains("2 steps in").doesNotContain("2/2").doesNotContain("(avg ");
    }

    private static String[] concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(new String[0]);
    }
}
