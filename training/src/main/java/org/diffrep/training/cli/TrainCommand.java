package org.diffrep.training.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.UserInputException;
import org.diffrep.common.cli.Checks;
import org.diffrep.common.cli.Cli;
import org.diffrep.common.provenance.Provenance;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.training.data.Inputs;
import org.diffrep.training.data.UnreadableImages;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.heads.Heads;
import org.diffrep.training.seg.SegHeadConfig;
import org.diffrep.training.seg.SegHeadOptions;
import org.diffrep.training.seg.SegTrainConfig;
import org.diffrep.training.seg.SegTrainOptions;
import org.diffrep.training.seg.SegmentationRun;
import org.diffrep.training.train.EpochMetrics;
import org.diffrep.training.train.StepMemory;
import org.diffrep.training.train.TrainConfig;
import org.diffrep.training.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Trains a head on frozen U-Net features with the official recipe by default. */
@Command(name = "train", mixinStandardHelpOptions = true, modelTransformer = CacheOptions.OptInForTraining.class,
        description = {"Trains a head (linear, mlp, cnn, attention, difformer, diffeed) on the frozen U-Net, or on ade20k a"
                + " segmentation head (seg-linear, upernet: AdamW + poly schedule for --iterations, default lr 2e-5 upernet / 1e-3"
                + " seg-linear, batch 2; --epochs, --optimizer and the StepLR options are refused; with --feedback the taps come"
                + " from DifFeed's second pass and the feedback networks train with the head).",
                "Defaults are the official recipe: SGD without momentum, lr 1e-2 (linear, mlp, cnn, diffeed) or 5e-2 "
                        + "(attention, difformer), StepLR x0.1 every 7 epochs, 28 epochs, batch 128 (diffeed 16).",
                "Writes run.json, metrics.csv, checkpoint.bin (every epoch, atomically) and summary.json to --out."})
public final class TrainCommand implements Callable<Integer> {

    /** The key of run.json holding the provenance record (and the setup eval rebuilds the run from). */
    static final String PROVENANCE = "provenance";

    @Mixin
    RunSetup setup;

    @Mixin
    HeadOptions head;

    @Mixin
    ScheduleOptions schedule;

    @Option(names = "--lr", description = "Initial learning rate (default: 1e-2, 5e-2 for attention/difformer; adam 1e-3).")
    Double lr;

    @Option(names = "--batch", description = "Training batch (default 128, diffeed 16).")
    Integer batch;

    @Mixin
    SegHeadOptions segHead;

    @Mixin
    SegTrainOptions segTrain;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** What the segmentation heads take that the classification heads do not. */
    private static final List<String> SEGMENTATION_ONLY = GivenOptions.declaredBy(SegTrainOptions.class);
    /** The classification heads' epoch schedule, which the segmentation heads' iterations replace. */
    private static final List<String> EPOCH_SCHEDULE = List.of("--epochs", "--optimizer", "--momentum", "--lr-step", "--lr-gamma");
    /** What only a feature cache uses: its draws, its extraction batch and the standardisation measured on its features. */
    private static final List<String> FEATURE_CACHE_ONLY = List.of("--draws", "--extract-batch", "--standardize");
    /** How the classification heads read the U-Net: augmentation and feature-cache draws. */
    private static final List<String> CLASSIFIER_INPUTS = List.of("--random-crop", "--draws", "--extract-batch");

    @Override
    public Integer call() throws Exception {
        if (head.segmentation()) return trainSegmentation();
        HeadKind kind = head.kind();
        GivenOptions.refuse(spec, SEGMENTATION_ONLY, "the segmentation heads (seg-linear, upernet)", kind + " does not use it");
        if (kind == HeadKind.DIFFEED && setup.caching.cache != null) throw new UserInputException(HeadOptions.FEEDBACK_NEEDS_THE_UNET);
        Path dir = schedule.runDirectory(kind + "-" + setup.inputs.dataset);
        head.check(setup.check().config());
        if (setup.caching.cache == null) {
            // graph-native training draws fresh noise and flips every epoch and extracts nothing
            GivenOptions.refuse(spec, FEATURE_CACHE_ONLY, "training from a feature cache (--cache)", "without --cache the U-Net runs in the head's graph");
        }
        schedule.check(dir);
        if (lr != null) Checks.positive("--lr", lr);
        if (batch != null) Checks.atLeast("--batch", batch, 1);
        try (Assembly a = new Assembly(setup)) {
            HeadConfig h = head.build(a.config, a.numClasses());
            TrainConfig tc = trainConfig(kind);
            // the attention scores alone, from the sizes: refuses an absurd request before a step is even measured
            Heads.attentionScores(h, a.config, tc.batchSize())
                    .ifPresent(need -> need.requireFits("--batch, " + HeadOptions.sizeOptions(kind)));
            ClassifierGraph graph = a.graph(h, tc.seed(), !schedule.noProgress, true);
            StepMemory.requireFits(graph, Math.min(tc.batchSize(), a.trainImages.size()), HeadOptions.sizeOptions(kind));
            Provenance provenance = Provenance.start(spec).optModel(a.config.name(), a.inputs.checkpoint(), a.checkpointSha256())
                    .optDataset(a.inputs.dataset()).optSplit("train", a.trainImages.describe()).optSplit("eval", a.evalImages.describe())
                    .optSeed("shuffle_noise_draws", tc.seed()).optSeed("head_init", setup.headSeed);
            ObjectNode run = describeRun(a, graph, provenance);
            List<EpochMetrics> history = new Trainer(graph, a.trainFeeder(h, tc.seed()), a.evalFeeder(h, tc.seed()), tc, dir, run)
                    .optProgress(!schedule.noProgress).run(schedule.resume);
            recordFinish(dir, provenance);
            PrintWriter pw = spec.commandLine().getOut();
            EpochMetrics last = history.get(history.size() - 1);
            pw.printf("%s: %d epochs, eval top-1 %.4f top-5 %.4f, %,d trainable parameters; run in %s%n", kind, last.epoch(),
                    last.evalTop1(), last.evalTop5(), graph.parameterCount().total(), dir.toAbsolutePath());
            int skipped = UnreadableImages.write(dir, List.of(a.trainImages, a.evalImages));
            if (skipped > 0) pw.printf("%d unreadable image(s) skipped, listed in %s%n", skipped, dir.resolve(UnreadableImages.FILE));
            pw.flush();
        }
        return 0;
    }

    private int trainSegmentation() throws java.io.IOException {
        if (setup.caching.cache != null) {
            throw new UserInputException(head.feedbackGiven() ? HeadOptions.FEEDBACK_NEEDS_THE_UNET
                    : "segmentation heads read the U-Net in their graph: drop --cache");
        }
        head.refuseOtherHeadsOptions();
        String kind = head.segmentationKind().toString();
        GivenOptions.refuse(spec, EPOCH_SCHEDULE, "the classification heads", kind + " trains for --iterations with AdamW and a poly schedule");
        GivenOptions.refuse(spec, CLASSIFIER_INPUTS, "the classification heads", kind + " does not use it");
        Inputs in = setup.inputs.resolver().build();
        SegHeadConfig h = head.buildSegmentation(in.config(), segHead, in.openDataset().numClasses());
        int b = batch != null ? batch : 2;
        SegTrainConfig tc = new SegTrainConfig(segTrain.iterations, b, lr != null ? lr : SegmentationRun.defaultLr(h.kind()), schedule.weightDecay,
                segTrain.warmup, segTrain.polyPower, schedule.seed, schedule.evalBatch != null ? schedule.evalBatch : b, segTrain.checkpointEvery);
        RunSetup stored = setup.stored(in);
        SegmentationRun.Setup s = new SegmentationRun.Setup(stored.inputs.dataset, stored.inputs.root, stored.inputs.trainSplit,
                stored.inputs.evalSplit, stored.inputs.limitTrain, stored.inputs.limitEval, stored.inputs.threads, stored.inputs.config,
                stored.inputs.imageSize, stored.inputs.checkpoint, setup.headSeed, segTrain.scaleRange, segTrain.photometric,
                segTrain.evaluation.mode, segTrain.evaluation.stride);
        return SegmentationRun.train(s, setup.inputs.unreadable.maxUnreadable(), h, tc, schedule.runDirectory(h.kind() + "-" + in.dataset()),
                schedule.resume, segTrain.stopAfter, !schedule.noProgress, spec.commandLine().getOut());
    }

    TrainConfig trainConfig(HeadKind kind) {
        double defaultLr = schedule.adam() ? 1e-3 : kind == HeadKind.ATTENTION || kind == HeadKind.DIFFORMER ? 5e-2 : 1e-2;
        return schedule.config(lr != null ? lr : defaultLr, batch != null ? batch : kind == HeadKind.DIFFEED ? 16 : 128);
    }

    /** What the run is (compared on --resume) and where it ran (provenance, not compared; eval reads the setup from it). */
    static ObjectNode describeRun(Assembly a, ClassifierGraph graph, Provenance provenance) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode run = json.createObjectNode();
        run.put("model", a.config.toString());
        run.put("checkpoint_sha256", a.checkpointSha256());
        run.put("feature_cache", graph.input() == ClassifierGraph.Input.FEATURES);
        run.put("cache_draws", a.setup.draws);
        run.put("head_seed", a.setup.headSeed);
        ObjectNode prov = provenance.toJson();
        prov.set("setup", json.valueToTree(a.storedSetup()));
        run.set(PROVENANCE, prov);
        return run;
    }

    /** Rewrites the run's run.json with the provenance's finishing time (--resume compares run.json without its provenance). */
    static void recordFinish(Path dir, Provenance provenance) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path file = dir.resolve(Trainer.RUN);
        ObjectNode run = (ObjectNode) json.readTree(file.toFile());
        JsonNode setup = run.get(PROVENANCE).get("setup");
        ObjectNode prov = provenance.finish().toJson();
        prov.set("setup", setup);
        run.set(PROVENANCE, prov);
        AtomicFiles.writeString(file, json.writeValueAsString(run));
    }

    public static void main(String[] args) {
        Cli.main(new TrainCommand(), args);
    }
}
