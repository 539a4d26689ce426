package org.diffrep.training.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.data.CubFolder;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Inputs;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.train.RunDifference;
import org.diffrep.training.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One resolver for images, model and weights: the embedded default, channels that follow the model, no needless weight reads. */
class InputResolutionTest {

    @TempDir
    Path dir;

    @Test
    void withoutOptionsTrainReadsTheShippedFashionMnistIntoTheShippedModel() throws Exception {
        Path out = dir.resolve("run");
        // the crash: 3-channel images fed to the 1-channel adm-fmnist; now every channel count follows the config
        String printed = CommandsTest.run(new TrainCommand(), "--head", "linear", "--limit-train", "24", "--limit-eval", "12",
                "--epochs", "1", "--batch", "12", "--cache", dir.resolve("cache").toString(), "--out", out.toString(), "--no-progress");
        assertThat(printed).contains("linear: 1 epochs");
        JsonNode run = new ObjectMapper().readTree(out.resolve(Trainer.RUN).toFile());
        assertThat(run.get("train_data").asText()).contains("fashion-mnist/train (24 images, 32 px padded, flip");
        JsonNode setup = run.get("provenance").get("setup");
        assertThat(setup.get("config").asText()).isEqualTo("adm-fmnist");
        assertThat(Path.of(setup.get("checkpoint").asText())).isAbsolute().endsWith(Path.of("models/adm-fmnist/ema.npz"));
        assertThat(Path.of(setup.get("root").asText())).isAbsolute().endsWith(Path.of("data/fashion-mnist"));
        assertThat(Path.of(setup.get("cache").asText())).isAbsolute();
    }

    @Test
    void evalNamesTheOptionThatReplacesAPathThatMoved() throws Exception {
        Path out = dir.resolve("run");
        CommandsTest.run(new TrainCommand(), "--dataset", "synthetic", "--limit-train", "8", "--limit-eval", "4", "--epochs", "1",
                "--batch", "4", "--cache", dir.resolve("cache").toString(), "--out", out.toString(), "--no-progress");
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode run = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(out.resolve(Trainer.RUN).toFile());
        String weights = run.get("provenance").get("setup").get("checkpoint").asText();
        ((com.fasterxml.jackson.databind.node.ObjectNode) run.get("provenance").get("setup")).put("checkpoint", dir.resolve("moved.npz").toString());
        json.writeValue(out.resolve(Trainer.RUN).toFile(), run);
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cl = new CommandLine(new EvalCommand());
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
        assertThat(cl.execute("--run", out.toString(), "--no-progress")).isNotZero();
        assertThat(err.toString()).contains("moved.npz does not exist (moved?): pass --checkpoint PATH");
        assertThat(CommandsTest.run(new EvalCommand(), "--run", out.toString(), "--checkpoint", weights, "--no-progress")).contains("top-1");
    }

    @Test
    void grayscaleImagesMeetAnRgbModelAndRgbImagesAGrayscaleModel() {
        Inputs rgbModel = Inputs.builder().optConfig("adm-tiny").optCheckpoint(TestFixtures.admTinyCheckpoint()).optLimitEval(3).build();
        ImageSource gray = rgbModel.evalImages();
        assertThat(gray.images(new int[] {0, 1}, 0).shape()).containsExactly(2, 3, 64, 64);
        Inputs grayModel = Inputs.builder().optDataset(Inputs.SYNTHETIC).optLimitEval(4).build();
        assertThat(grayModel.config().name()).isEqualTo("adm-fmnist");
        assertThat(grayModel.evalImages().images(new int[] {0, 1, 2, 3}, 0).shape()).containsExactly(4, 1, 32, 32);
        Inputs bigger = Inputs.builder().optImageSize(64).optLimitEval(2).build();
        assertThat(bigger.evalImages().images(new int[] {0, 1}, 0).shape()).containsExactly(2, 1, 64, 64);
    }

    @Test
    void rgbFilesReachAGrayscaleModelAsLuma() throws Exception {
        Path cub = dir.resolve("CUB_200_2011");
        CubFolder.writeSolid(cub, 3, 2, 1);
        Inputs in = Inputs.builder().optDataset("cub").optRoot(cub).optConfig("adm-fmnist").build();
        // solid red, green and blue images: one channel each, at the model's 32 px, distinct luma per class
        org.nd4j.linalg.api.ndarray.INDArray x = in.trainImages().images(new int[] {0, 1, 2}, 0);
        assertThat(x.shape()).containsExactly(3, 1, 32, 32);
        assertThat(x.getDouble(0, 0, 16, 16)).isNotEqualTo(x.getDouble(1, 0, 16, 16));
    }

    @Test
    void whatCannotBeGuessedIsAnErrorNamingTheOption() {
        assertThatThrownBy(() -> Inputs.builder().optConfig("adm-256-uncond").build())
                .hasMessageContaining("--checkpoint is required for adm-256-uncond").hasMessageContaining(Inputs.PAPER_WEIGHTS_URL);
        assertThatThrownBy(() -> Inputs.builder().optDataset("cub").optCheckpoint(TestFixtures.admTinyCheckpoint()).build())
                .hasMessageContaining("--root is required for dataset cub");
        assertThatThrownBy(() -> Inputs.builder().optCheckpoint(dir.resolve("missing.npz")).build())
                .hasMessageContaining("--checkpoint").hasMessageContaining("missing.npz").hasMessageContaining("does not exist");
    }

    /** The setup as run.json of runs trained before the cache options were one mixin stores it (eval --run and --resume read it back). */
    private static final String STORED_SETUP = """
            {"dataset":"synthetic","root":null,"trainSplit":null,"evalSplit":null,"limitTrain":8,"limitEval":4,"threads":2,
             "config":"adm-tiny","imageSize":null,"checkpoint":"/runs/model.npz","unreadable":{"maxUnreadable":0.01},
             "randomCrop":true,"cache":"/data/cache","draws":3,"extractBatch":7,"headSeed":5}""";

    @Test
    void aRunSetupStoredBeforeTheSharedCacheOptionsReadsBackAndIsWrittenTheSameWay() throws Exception {
        ObjectMapper json = new ObjectMapper();
        RunSetup setup = json.readValue(STORED_SETUP, RunSetup.class);
        assertThat(setup.caching.cache).isEqualTo("/data/cache");
        assertThat(setup.caching.extractBatch).isEqualTo(7);
        assertThat(setup.draws).isEqualTo(3);
        assertThat(setup.randomCrop).isTrue();
        assertThat(setup.inputs.limitEval).isEqualTo(4);
        assertThat(setup.headSeed).isEqualTo(5);
        // field by field as before, compared as --resume compares runs: leaf by leaf
        JsonNode written = json.valueToTree(setup);
        assertThat(RunDifference.between(json.readTree(STORED_SETUP), written)).isEmpty();
        assertThat(written.get("cache").asText()).isEqualTo("/data/cache");
    }

    @Test
    void theCacheOptionsAreCheckedOnceForTrainKnnAndCka() {
        for (Object command : List.of(new TrainCommand(), new org.diffrep.training.knn.KnnCommand(), new org.diffrep.training.cka.CkaCommand())) {
            CommandLine cl = new CommandLine(command);
            assertThat(cl.getCommandSpec().findOption("--cache")).as(cl.getCommandName()).isNotNull();
            assertThat(cl.getCommandSpec().findOption("--extract-batch").defaultValue()).isEqualTo("16");
        }
        CacheOptions bad = new CacheOptions();
        bad.extractBatch = 0;
        assertThatThrownBy(bad::check).hasMessage("--extract-batch 0 must be at least 1");
        assertThat(String.join(" ", new CommandLine(new TrainCommand()).getCommandSpec().findOption("--cache").description()))
                .contains("train from them").doesNotContain("default");
        assertThat(String.join(" ", new CommandLine(new org.diffrep.training.knn.KnnCommand()).getCommandSpec().findOption("--cache")
                .description())).contains("default: DIFFREP_CACHE");
    }

    @Test
    void aCompleteCacheNeverReadsTheWeights() {
        RunSetup setup = new CommandLine(new TrainCommand()).parseArgs("--dataset", "synthetic", "--limit-train", "8", "--limit-eval", "4",
                "--cache", dir.resolve("cache").toString()).asCommandLineList().get(0).getCommand() instanceof TrainCommand t ? t.setup : null;
        HeadConfig head = HeadConfig.defaults(HeadKind.LINEAR, List.of(10), List.of(5), 4);
        try (Assembly first = new Assembly(setup)) {
            first.ensureCache(head, 0, false, true);
            assertThat(first.weightsRead()).isTrue();
        }
        try (Assembly again = new Assembly(setup)) {
            again.ensureCache(head, 0, false, true);
            assertThat(again.weightsRead()).as("every cache file existed").isFalse();
            assertThat(again.checkpointSha256()).hasSize(64);
        }
    }
}
