package org.diffrep.tuning;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.common.cli.Cli;
import org.diffrep.model.checkpoint.NpzWriter;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.data.ShippedFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SweepCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Cli.commandLine(new SweepCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private String[] tiny(Path space) {
        return tiny(space, dir.resolve("out"));
    }

    private static String[] tiny(Path space, Path out) {
        return new String[]{"--space", space.toString(), "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint",
                TinySweep.CHECKPOINT.toString(), "--limit-train", String.valueOf(TinySweep.TRAIN), "--limit-eval", String.valueOf(TinySweep.EVAL),
                "--out", out.toString(), "--no-progress"};
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
    void withoutDatasetAndConfigItSweepsTheShippedModel() throws Exception {
        Path space = Files.writeString(dir.resolve("space.yaml"), "t: [100]\nblocks: [10]\ntrain: {epochs: 1, batch: 32}\n");
        assertThat(run("--space", space.toString(), "--limit-train", "64", "--limit-eval", "32", "--out", dir.resolve("out").toString(), "--no-progress"))
                .as(err.toString()).isZero();
        assertThat(out.toString()).contains("sweep of adm-fmnist on fashion-mnist").contains("1 candidates: 0 finished earlier, 1 trained now");
    }

    @Test
    void theCommandLinesLimitsWinOverTheSpaceFilesAlsoZeroForAllImages() throws Exception {
        Path space = Files.writeString(dir.resolve("space.yaml"), "t: [50]\nblocks: [2]\ntrain: {epochs: 1, batch: 8}\n"
                + "data: {limit_train: 8, limit_eval: 4}\n");
        String[] common = {"--space", space.toString(), "--dataset", "synthetic", "--config", "adm-tiny", "--checkpoint",
                TinySweep.CHECKPOINT.toString(), "--no-progress"};
        List<String> spaceLimits = new ArrayList<>(List.of(common));
        spaceLimits.addAll(List.of("--out", dir.resolve("space-limits").toString()));
        assertThat(run(spaceLimits.toArray(new String[0]))).as(err.toString()).isZero();
        assertThat(out.toString()).contains("train synthetic(size=64,count=8,").contains("eval synthetic(size=64,count=4,");
        out.getBuffer().setLength(0);
        List<String> allTraining = new ArrayList<>(List.of(common));
        // 0 = all: the synthetic training split's 64 images, not the space file's 8
        allTraining.addAll(List.of("--limit-train", "0", "--out", dir.resolve("all-training").toString()));
        assertThat(run(allTraining.toArray(new String[0]))).as(err.toString()).isZero();
        assertThat(out.toString()).contains("train synthetic(size=64,count=64,").contains("eval synthetic(size=64,count=4,");
    }

    /** The embedded default end to end, on a stand-in for the shipped model (random adm-fmnist weights) in a diffrep home. */
    @Test
    void withoutDatasetAndConfigItSweepsTheEmbeddedDefault() throws Exception {
        Path home = dir.resolve("home");
        Files.createDirectories(home.resolve(ShippedFiles.DATA).getParent());
        Files.createSymbolicLink(home.resolve(ShippedFiles.DATA), ShippedFiles.find(ShippedFiles.DATA).toAbsolutePath());
        Files.createDirectories(home.resolve(ShippedFiles.MODEL).getParent());
        Nd4j.getRandom().setSeed(1);
        Map<String, INDArray> weights = new LinkedHashMap<>();
        AdmConfigs.get(org.diffrep.training.data.Inputs.SHIPPED_CONFIG).expectedStateDict().forEach((k, shape) -> weights.put(k, Nd4j.randn(DataType.FLOAT, shape).muli(0.05)));
        NpzWriter.write(home.resolve(ShippedFiles.MODEL), weights);
        Path space = Files.writeString(dir.resolve("space.yaml"), "t: [100]\nblocks: [10, 13]\ntrain: {epochs: 1, batch: 32}\n");
        System.setProperty("diffrep.home", home.toString());
        try {
            assertThat(run("--space", space.toString(), "--limit-train", "64", "--limit-eval", "32", "--out", dir.resolve("out").toString(),
                    "--no-progress")).as(err.toString()).isZero();
        } finally {
            System.clearProperty("diffrep.home");
        }
        assertThat(out.toString()).contains("sweep of adm-fmnist on fashion-mnist: train fashion-mnist/train (64 images")
                .contains("2 candidates: 0 finished earlier, 2 trained now").contains("1 backbone pass(es), 96 noised images");
    }

    /** A diffrep home without the shipped model (an empty folder): the embedded default names the file and the option. */
    @Test
    void withoutTheShippedModelTheEmbeddedDefaultSaysWhatIsMissing() throws Exception {
        Path emptyHome = Files.createDirectories(dir.resolve("empty-home"));
        Path space = Files.writeString(dir.resolve("space.yaml"), "t: [100]\nblocks: [10]\n");
        System.setProperty("diffrep.home", emptyHome.toString());
        try {
            assertThat(run("--space", space.toString(), "--out", dir.resolve("out").toString())).isEqualTo(2);
        } finally {
            System.clearProperty("diffrep.home");
        }
        assertThat(err.toString()).startsWith("error: ").contains(ShippedFiles.DATA).contains("pass --root").hasLineCount(1);
        assertThat(dir.resolve("out")).doesNotExist();
    }

    /**
     * The sweep runs in a child JVM that is killed (SIGKILL) once 3 candidates are on disk; the rerun
     * skips them, needs no pass for the t already cached, and ends with the ranking of an
     * uninterrupted sweep.
     */
    @Test
    void aSweepKilledMidwayResumesWithoutDuplicatesToTheSameRanking() throws Exception {
        Path space = Files.writeString(dir.resolve("space.yaml"), TinySweep.SPACE);
        Path killed = dir.resolve("killed");
        Path results = killed.resolve(Sweep.RESULTS);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-Dorg.bytedeco.javacpp.maxbytes=0", "-cp", System.getProperty("java.class.path"),
                SweepCommand.class.getName()));
        command.addAll(List.of(tiny(space, killed)));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process child = pb.start();
        // the child prints "[3/8] ..." right after appending its 3rd result: SIGKILL it on that line,
        // while it starts the 4th candidate (a watchdog ends a child that never gets there)
        Thread watchdog = new Thread(() -> {
            try {
                if (!child.waitFor(150, java.util.concurrent.TimeUnit.SECONDS)) child.destroyForcibly();
            } catch (InterruptedException e) {
                child.destroyForcibly();
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        StringBuilder log = new StringBuilder();
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                log.append(line).append('\n');
                if (line.startsWith("[3/")) {
                    child.destroyForcibly();
                    break;
                }
            }
        }
        child.waitFor();
        int done = lines(results);
        assertThat(done).as(log.toString()).isBetween(3, 4);
        // a kill during an append leaves a torn last line
        Files.writeString(results, "{\"id\":\"t150_b2", StandardOpenOption.APPEND);

        assertThat(run(tiny(space, killed))).as(err.toString()).isZero();
        assertThat(out.toString()).contains("8 candidates: " + done + " finished earlier, " + (8 - done) + " trained now")
                .contains("1 backbone pass(es), 24 noised images").contains("top-1%");
        List<String> ids = Files.readAllLines(results).stream().map(SweepCommandTest::id).toList();
        assertThat(ids).hasSize(8).doesNotHaveDuplicates();

        Path whole = dir.resolve("whole");
        assertThat(run(tiny(space, whole))).isZero();
        assertThat(withoutSeconds(killed.resolve(Sweep.RANKING))).isEqualTo(withoutSeconds(whole.resolve(Sweep.RANKING)));

        out.getBuffer().setLength(0);
        assertThat(run(tiny(space, killed))).isZero();
        assertThat(out.toString()).contains("8 candidates: 8 finished earlier, 0 trained now").contains("0 backbone pass(es), 0 noised images");
        assertThat(Files.readAllLines(results)).hasSize(8);
    }

    private static int lines(Path file) throws IOException {
        if (!Files.exists(file)) return 0;
        return (int) Files.readString(file).chars().filter(c -> c == '\n').count();
    }

    private static String id(String line) {
        try {
            return new ObjectMapper().readTree(line).get("id").asText();
        } catch (IOException e) {
            throw new AssertionError(line, e);
        }
    }

    /** ranking.csv rows without the seconds column, which differs from run to run. */
    private static List<String> withoutSeconds(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().map(l -> l.replaceFirst(",[^,]*,([^,]*)$", ",$1")).toList();
    }
}
