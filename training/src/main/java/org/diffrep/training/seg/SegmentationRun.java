package org.diffrep.training.seg;

import org.diffrep.common.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.common.util.FileHashes;
import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.LoadReport;
import org.diffrep.datasets.LoaderOptions;
import org.diffrep.datasets.SegmentationOptions;
import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.data.UnreadableImages;
import org.diffrep.training.heads.ParameterCount;
import org.diffrep.training.train.Checkpoint;
import org.diffrep.training.train.StepMemory;
import org.diffrep.training.train.Trainer;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code train --head seg-linear|upernet} and {@code eval --run} of a segmentation run do, kept
 * out of the classification commands: the run's setup (dataset, U-Net, head, schedule) is stored in
 * run.json so that eval rebuilds exactly the trained graph.
 */
public final class SegmentationRun {
    private SegmentationRun() {}

    /**
     * Where a segmentation run's data and backbone come from and how its images are transformed;
     * serialised into run.json (and compared on --resume).
     *
     * @param scaleRange  training short side / S, drawn uniformly from [min, max]
     * @param photometric mmseg's photometric distortion of the training images
     * @param evalMode    whole or slide (null: whole, as runs stored before the option existed)
     * @param evalStride  pixels between sliding windows (null: 2/3 of S)
     */
    public record Setup(String dataset, String root, String trainSplit, String evalSplit, int limitTrain, int limitEval, int threads,
                        String config, Integer imageSize, String checkpoint, long headSeed, double[] scaleRange, boolean photometric,
                        String evalMode, Integer evalStride) {

        public Setup {
            if (root == null) throw new UserInputException("--root is required for dataset " + dataset);
            if (scaleRange == null || scaleRange.length != 2) throw new UserInputException("--scale-range takes two numbers, min,max");
            if (!(scaleRange[0] > 0 && scaleRange[1] >= scaleRange[0])) {
                throw new UserInputException("--scale-range needs 0 < min <= max, got " + scaleRange[0] + "," + scaleRange[1]);
            }
            SegEvalOptions e = new SegEvalOptions();
            e.mode = evalMode;
            e.stride = evalStride;
            SegEvalOptions.Mode mode = e.parsedMode();
            e.check(mode != null ? mode : SegEvalOptions.Mode.WHOLE);
            evalMode = mode != null ? mode.name().toLowerCase(Locale.ROOT) : null;
        }

        /** This setup evaluated as {@code options} say, where they say anything. */
        Setup withEvaluation(SegEvalOptions options) {
            String mode = options.mode != null ? options.mode : evalMode;
            Integer stride = options.stride != null ? options.stride : options.mode != null ? null : evalStride;
            return new Setup(dataset, root, trainSplit, evalSplit, limitTrain, limitEval, threads, config, imageSize, checkpoint, headSeed,
                    scaleRange, photometric, mode, stride);
        }

        AdmConfig admConfig() {
            AdmConfig c = AdmConfigs.resolve(config);
            return imageSize == null ? c : c.withImageSize(imageSize);
        }

        ImageDataset open() {
            return DatasetRegistry.open(dataset, Path.of(root));
        }

        boolean sliding() {
            return "slide".equals(evalMode);
        }

        /** The windows of a sliding-window evaluation, or null for whole images. */
        SegEvaluator.SlidingWindow window(int side) {
            return sliding() ? SegEvaluator.SlidingWindow.of(side, evalStride) : null;
        }

        /** One split through the datasets pipeline with mmseg's transforms, screened for unreadable files. */
        DatasetSegData split(ImageDataset ds, String name, boolean training, int side, double maxUnreadable) {
            String split = name != null ? name : training ? ds.trainSplit() : ds.evalSplit();
            SegmentationOptions transform = new SegmentationOptions(scaleRange[0], scaleRange[1], photometric, sliding());
            return new DatasetSegData(ds, split, side, transform, training ? limitTrain : limitEval, threads, maxUnreadable);
        }
    }

    /** Default peak learning rate: the paper's 2e-5 for upernet; 1e-3 for the linear probe. */
    public static double defaultLr(SegHeadKind kind) {
        return kind == SegHeadKind.UPERNET ? 2e-5 : 1e-3;
    }

    /**
     * Trains a segmentation head on the frozen U-Net and prints its scores. Both splits are screened
     * first: unreadable images and annotations are skipped and listed in the run's unreadable.json, and
     * past {@code maxUnreadable} of a split the run stops before any training.
     */
    public static int train(Setup setup, double maxUnreadable, SegHeadConfig head, SegTrainConfig tc, Path out, boolean resume,
                            Integer stopAfter, boolean progress, PrintWriter pw) throws IOException {
        AdmConfig config = setup.admConfig();
        SegGraph.check(head, config);
        ImageDataset ds = setup.open();
        try (DatasetSegData trainSplit = setup.split(ds, setup.trainSplit(), true, config.imageSize(), maxUnreadable);
             DatasetSegData evalSplit = setup.split(ds, setup.evalSplit(), false, config.imageSize(), maxUnreadable)) {
            requireChannels(config, trainSplit);
            SegData train = trainSplit.readable();
            SegData eval = evalSplit.readable();
            String sha = FileHashes.sha256(Path.of(setup.checkpoint()));
            StateDict weights = Checkpoints.read(Path.of(setup.checkpoint()));
            SegGraph graph = SegGraph.onBackbone(head, config, weights::get, setup.headSeed());
            StepMemory.requireFits("the " + head.kind() + " head", graph, graph::zeroBatch, List.of(SegGraph.LOSS),
                    Math.min(tc.batchSize(), train.size()), (head.kind() == SegHeadKind.UPERNET ? "--adapter-width, --decoder-channels, " : "")
                            + "the number of --blocks and --t");
            ObjectNode run = describe(setup, config, sha, maxUnreadable);
            SegMetrics.Result r = new SegTrainer(graph, new SegFeeder(train, SegGraph.Input.IMAGES, head.timesteps(), tc.seed()),
                    new SegFeeder(eval, SegGraph.Input.IMAGES, head.timesteps(), tc.seed()), tc, out, run, train.classNames())
                    .optProgress(progress).optStopAfter(stopAfter).optSlidingWindow(setup.window(config.imageSize())).run(resume);
            int skipped = listUnreadable(out, train, eval);
            if (r == null) {
                pw.printf("%s: stopped after --stop-after iterations with a checkpoint in %s; continue with --resume%n", head.kind(), out.toAbsolutePath());
            } else {
                pw.printf(Locale.ROOT, "%s: %d iterations, %s: mIoU %.2f%%, mean accuracy %.2f%%, pixel accuracy %.2f%% (%d classes scored),"
                                + " %,d trainable parameters; run in %s%n", head.kind(), tc.iterations(), eval.describe(), 100 * r.miou(),
                        100 * r.meanAccuracy(), 100 * r.pixelAccuracy(), r.presentClasses().size(), graph.parameterCount().total(), out.toAbsolutePath());
            }
            if (skipped > 0) pw.printf("%d unreadable file(s) skipped, listed in %s%n", skipped, out.resolve(UnreadableImages.FILE));
            pw.flush();
            return 0;
        }
    }

    /** Writes the splits' skipped files into the run's unreadable.json; how many there are. */
    private static int listUnreadable(Path out, SegData... splits) {
        Map<String, List<LoadReport.Problem>> bySplit = new LinkedHashMap<>();
        for (SegData s : splits) bySplit.put(s.describe(), s.unreadable());
        return UnreadableImages.write(out, bySplit);
    }

    /** Whether a run directory's run.json describes a segmentation run. */
    public static boolean isSegmentationRun(JsonNode runJson) {
        return runJson.has("task") && SegTrainer.TASK.equals(runJson.get("task").asText());
    }

    /**
     * Re-scores the head saved in a run directory on its evaluation split (or {@code split}), as the run
     * evaluated unless {@code evaluation} says otherwise, writing eval.json there (with the files skipped
     * as unreadable) and, with {@code predictions}, one PNG per image.
     */
    public static int eval(Path runDir, JsonNode desc, String root, String checkpoint, String split, Integer batch, SegEvalOptions evaluation,
                           Path predictions, boolean progress, PrintWriter pw) throws IOException {
        Setup saved = SegTrainer.JSON.treeToValue(desc.get("setup"), Setup.class);
        Setup setup = new Setup(saved.dataset(), root != null ? root : saved.root(), saved.trainSplit(),
                split != null ? split : saved.evalSplit(), saved.limitTrain(), saved.limitEval(), saved.threads(), saved.config(),
                saved.imageSize(), checkpoint != null ? checkpoint : saved.checkpoint(), saved.headSeed(), saved.scaleRange(),
                saved.photometric(), saved.evalMode(), saved.evalStride()).withEvaluation(evaluation);
        SegHeadConfig head = SegTrainer.JSON.treeToValue(desc.get("seg_head"), SegHeadConfig.class);
        SegTrainConfig tc = SegTrainer.JSON.treeToValue(desc.get("seg_train"), SegTrainConfig.class);
        JsonNode tolerance = desc.path("provenance").get(MAX_UNREADABLE);
        double maxUnreadable = tolerance != null ? tolerance.asDouble() : LoaderOptions.DEFAULT_MAX_BAD_FRACTION;
        String sha = FileHashes.sha256(Path.of(setup.checkpoint()));
        if (!sha.equals(desc.get("checkpoint_sha256").asText())) {
            throw new UserInputException("U-Net weights differ from the ones the head was trained on (" + setup.checkpoint() + ")");
        }
        Checkpoint trained = Checkpoint.read(runDir.resolve(Trainer.CHECKPOINT));
        AdmConfig config = setup.admConfig();
        ImageDataset ds = setup.open();
        try (DatasetSegData evalSplit = setup.split(ds, setup.evalSplit(), false, config.imageSize(), maxUnreadable)) {
            SegData eval = evalSplit.readable();
            StateDict weights = Checkpoints.read(Path.of(setup.checkpoint()));
            SegGraph graph = SegGraph.onBackbone(head, config, weights::get, setup.headSeed());
            trained.loadInto(graph);
            SegMetrics.Result r = SegEvaluator.evaluate(graph, new SegFeeder(eval, SegGraph.Input.IMAGES, head.timesteps(), tc.seed()),
                    batch != null ? batch : tc.evalBatch(), setup.window(config.imageSize()), predictions, progress);
            ObjectNode result = SegTrainer.scores(r, eval.classNames());
            result.put("split", eval.describe());
            result.put("images", eval.size());
            result.put("eval_mode", setup.sliding() ? "slide" : "whole");
            if (setup.sliding()) result.put("eval_stride", setup.window(config.imageSize()).stride());
            result.set("unreadable", UnreadableImages.toJson(SegTrainer.JSON, Map.of(eval.describe(), eval.unreadable())));
            result.put("iterations_trained", SegTrainer.JSON.readTree(trained.json()).get("iterations_done").asInt());
            if (predictions != null) result.put("predictions", predictions.toAbsolutePath().toString());
            AtomicFiles.writeString(runDir.resolve("eval.json"), SegTrainer.JSON.writeValueAsString(result));
            pw.printf(Locale.ROOT, "%s on %s: mIoU %.2f%%, mean accuracy %.2f%%, pixel accuracy %.2f%% (%d classes scored)%s%n", head.kind(),
                    eval.describe(), 100 * r.miou(), 100 * r.meanAccuracy(), 100 * r.pixelAccuracy(), r.presentClasses().size(),
                    predictions != null ? "; predictions in " + predictions.toAbsolutePath() : "");
            if (!eval.unreadable().isEmpty()) {
                pw.printf("%d unreadable file(s) skipped, listed in %s%n", eval.unreadable().size(), runDir.resolve("eval.json"));
            }
            pw.flush();
            return 0;
        }
    }

    /** Prints a segmentation head's trainable parameters on a U-Net config (with feedback: head and feedback networks apart). */
    public static int headInfo(AdmConfig config, SegHeadConfig h, PrintWriter out) {
        ParameterCount count = SegGraph.countParameters(h, config);
        out.printf(Locale.ROOT, "%s head on %s, t=%s, blocks=%s%s%s, %d classes%n", h.kind(), config.name(), h.timesteps(), h.blocks(),
                h.kind() == SegHeadKind.UPERNET ? ", adapter width " + h.adapterWidth() + ", decoder channels " + h.decoderChannels() : "",
                h.hasFeedback() ? ", DifFeed second pass" : "", h.numClasses());
        if (h.hasFeedback()) out.printf("head:      %,d%nfeedback:  %,d (%s)%n", count.head(), count.feedback(), h.feedback());
        out.printf("trainable parameters: %,d%n", count.total());
        out.flush();
        return 0;
    }

    private static void requireChannels(AdmConfig config, SegData data) {
        if (config.inChannels() != data.channels()) {
            throw new UserInputException(config.name() + " takes " + config.inChannels() + "-channel images, the data has " + data.channels());
        }
    }

    /** Key of run.json's provenance holding --max-unreadable (not compared on --resume: it changes no result). */
    static final String MAX_UNREADABLE = "max_unreadable";

    private static ObjectNode describe(Setup setup, AdmConfig config, String sha, double maxUnreadable) {
        ObjectNode run = SegTrainer.JSON.createObjectNode();
        run.put("model", config.toString());
        run.put("checkpoint_sha256", sha);
        run.set("setup", SegTrainer.JSON.valueToTree(setup));
        ObjectNode prov = run.putObject("provenance");
        prov.put("started", Instant.now().toString());
        prov.put("nd4j_backend", Nd4j.getBackend().getClass().getName());
        prov.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        prov.put("cores", Runtime.getRuntime().availableProcessors());
        prov.put(MAX_UNREADABLE, maxUnreadable);
        return run;
    }
}
