package org.diffrep.training.seg;

import org.diffrep.common.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.common.util.FileHashes;
import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.SegmentationLoader;
import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.train.Checkpoint;
import org.diffrep.training.train.Trainer;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/**
 * What {@code train --head seg-linear|upernet} and {@code eval --run} of a segmentation run do, kept
 * out of the classification commands: the run's setup (dataset, U-Net, head, schedule) is stored in
 * run.json so that eval rebuilds exactly the trained graph.
 */
public final class SegmentationRun {
    private SegmentationRun() {}

    /**
     * Where a segmentation run's data and backbone come from; serialised into run.json.
     *
     * @param scaleRange training short side / S, drawn uniformly from [min, max]
     */
    public record Setup(String dataset, String root, String trainSplit, String evalSplit, int limitTrain, int limitEval, int threads,
                        String config, Integer imageSize, String checkpoint, long headSeed, double[] scaleRange) {

        public Setup {
            if (root == null) throw new UserInputException("--root is required for dataset " + dataset);
            if (scaleRange == null || scaleRange.length != 2) throw new UserInputException("--scale-range takes two numbers, min,max");
        }

        AdmConfig admConfig() {
            AdmConfig c = AdmConfigs.resolve(config);
            return imageSize == null ? c : c.withImageSize(imageSize);
        }

        ImageDataset open() {
            return DatasetRegistry.open(dataset, Path.of(root));
        }

        SegmentationLoader loader(int size) {
            return new SegmentationLoader(size, scaleRange[0], scaleRange[1]);
        }
    }

    /** Default peak learning rate: the paper's 2e-5 for upernet; 1e-3 for the linear probe. */
    public static double defaultLr(SegHeadKind kind) {
        return kind == SegHeadKind.UPERNET ? 2e-5 : 1e-3;
    }

    /** Trains a segmentation head on the frozen U-Net and prints its scores. */
    public static int train(Setup setup, SegHeadConfig head, SegTrainConfig tc, Path out, boolean resume, Integer stopAfter, boolean progress,
                            PrintWriter pw) throws IOException {
        AdmConfig config = setup.admConfig();
        ImageDataset ds = setup.open();
        SegmentationLoader loader = setup.loader(config.imageSize());
        SegData train = new DatasetSegData(ds, setup.trainSplit() != null ? setup.trainSplit() : ds.trainSplit(), loader, setup.limitTrain(), setup.threads());
        SegData eval = new DatasetSegData(ds, setup.evalSplit() != null ? setup.evalSplit() : ds.evalSplit(), loader, setup.limitEval(), setup.threads());
        requireChannels(config, train);
        String sha = FileHashes.sha256(Path.of(setup.checkpoint()));
        StateDict weights = Checkpoints.read(Path.of(setup.checkpoint()));
        SegGraph graph = SegGraph.onBackbone(head, config, weights::get, setup.headSeed());
        ObjectNode run = describe(setup, config, sha);
        SegMetrics.Result r = new SegTrainer(graph, new SegFeeder(train, SegGraph.Input.IMAGES, head.timesteps(), tc.seed()),
                new SegFeeder(eval, SegGraph.Input.IMAGES, head.timesteps(), tc.seed()), tc, out, run, train.classNames())
                .optProgress(progress).optStopAfter(stopAfter).run(resume);
        if (r == null) {
            pw.printf("%s: stopped after --stop-after iterations with a checkpoint in %s; continue with --resume%n", head.kind(), out.toAbsolutePath());
            pw.flush();
            return 0;
        }
        pw.printf(Locale.ROOT, "%s: %d iterations, %s: mIoU %.2f%%, mean accuracy %.2f%%, pixel accuracy %.2f%% (%d classes scored),"
                        + " %,d trainable parameters; run in %s%n", head.kind(), tc.iterations(), eval.describe(), 100 * r.miou(),
                100 * r.meanAccuracy(), 100 * r.pixelAccuracy(), r.presentClasses().size(), graph.parameterCount(), out.toAbsolutePath());
        pw.flush();
        return 0;
    }

    /** Whether a run directory's run.json describes a segmentation run. */
    public static boolean isSegmentationRun(JsonNode runJson) {
        return runJson.has("task") && SegTrainer.TASK.equals(runJson.get("task").asText());
    }

    /**
     * Re-scores the head saved in a run directory on its evaluation split (or {@code split}), writing
     * eval.json there and, with {@code predictions}, one PNG per image.
     */
    public static int eval(Path runDir, JsonNode desc, String root, String checkpoint, String split, Integer batch, Path predictions,
                           boolean progress, PrintWriter pw) throws IOException {
        Setup saved = SegTrainer.JSON.treeToValue(desc.get("setup"), Setup.class);
        Setup setup = new Setup(saved.dataset(), root != null ? root : saved.root(), saved.trainSplit(),
                split != null ? split : saved.evalSplit(), saved.limitTrain(), saved.limitEval(), saved.threads(), saved.config(),
                saved.imageSize(), checkpoint != null ? checkpoint : saved.checkpoint(), saved.headSeed(), saved.scaleRange());
        SegHeadConfig head = SegTrainer.JSON.treeToValue(desc.get("seg_head"), SegHeadConfig.class);
        SegTrainConfig tc = SegTrainer.JSON.treeToValue(desc.get("seg_train"), SegTrainConfig.class);
        String sha = FileHashes.sha256(Path.of(setup.checkpoint()));
        if (!sha.equals(desc.get("checkpoint_sha256").asText())) {
            throw new UserInputException("U-Net weights differ from the ones the head was trained on (" + setup.checkpoint() + ")");
        }
        Checkpoint trained = Checkpoint.read(runDir.resolve(Trainer.CHECKPOINT));
        AdmConfig config = setup.admConfig();
        ImageDataset ds = setup.open();
        SegData eval = new DatasetSegData(ds, setup.evalSplit() != null ? setup.evalSplit() : ds.evalSplit(), setup.loader(config.imageSize()),
                setup.limitEval(), setup.threads());
        StateDict weights = Checkpoints.read(Path.of(setup.checkpoint()));
        SegGraph graph = SegGraph.onBackbone(head, config, weights::get, setup.headSeed());
        trained.loadInto(graph);
        SegMetrics.Result r = SegEvaluator.evaluate(graph, new SegFeeder(eval, SegGraph.Input.IMAGES, head.timesteps(), tc.seed()),
                batch != null ? batch : tc.evalBatch(), predictions, progress);
        ObjectNode result = SegTrainer.scores(r, eval.classNames());
        result.put("split", eval.describe());
        result.put("images", eval.size());
        result.put("iterations_trained", SegTrainer.JSON.readTree(trained.json()).get("iterations_done").asInt());
        if (predictions != null) result.put("predictions", predictions.toAbsolutePath().toString());
        AtomicFiles.writeString(runDir.resolve("eval.json"), SegTrainer.JSON.writeValueAsString(result));
        pw.printf(Locale.ROOT, "%s on %s: mIoU %.2f%%, mean accuracy %.2f%%, pixel accuracy %.2f%% (%d classes scored)%s%n", head.kind(),
                eval.describe(), 100 * r.miou(), 100 * r.meanAccuracy(), 100 * r.pixelAccuracy(), r.presentClasses().size(),
                predictions != null ? "; predictions in " + predictions.toAbsolutePath() : "");
        pw.flush();
        return 0;
    }

    /** Prints a segmentation head's trainable parameters on a U-Net config. */
    public static int headInfo(AdmConfig config, SegHeadConfig h, PrintWriter out) {
        long count = SegGraph.countParameters(h, config);
        out.printf(Locale.ROOT, "%s head on %s, t=%s, blocks=%s%s, %d classes%n", h.kind(), config.name(), h.timesteps(), h.blocks(),
                h.kind() == SegHeadKind.UPERNET ? ", adapter width " + h.adapterWidth() + ", decoder channels " + h.decoderChannels() : "",
                h.numClasses());
        out.printf("trainable parameters: %,d%n", count);
        out.flush();
        return 0;
    }

    private static void requireChannels(AdmConfig config, SegData data) {
        if (config.inChannels() != data.channels()) {
            throw new UserInputException(config.name() + " takes " + config.inChannels() + "-channel images, the data has " + data.channels());
        }
    }

    private static ObjectNode describe(Setup setup, AdmConfig config, String sha) {
        ObjectNode run = SegTrainer.JSON.createObjectNode();
        run.put("model", config.toString());
        run.put("checkpoint_sha256", sha);
        run.set("setup", SegTrainer.JSON.valueToTree(setup));
        ObjectNode prov = run.putObject("provenance");
        prov.put("started", Instant.now().toString());
        prov.put("nd4j_backend", Nd4j.getBackend().getClass().getName());
        prov.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        prov.put("cores", Runtime.getRuntime().availableProcessors());
        return run;
    }
}
