package org.diffrep.training.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.cli.Checks;
import org.diffrep.common.cli.Cli;
import org.diffrep.common.provenance.Provenance;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.training.cli.HeadOptions;
import org.diffrep.training.cli.InputOptions;
import org.diffrep.training.cli.ScheduleOptions;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Inputs;
import org.diffrep.training.data.UnreadableImages;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.heads.Heads;
import org.diffrep.training.train.EpochMetrics;
import org.diffrep.training.train.ImageFeeder;
import org.diffrep.training.train.StepMemory;
import org.diffrep.training.train.TrainConfig;
import org.diffrep.training.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code diffrep finetune}: semi-supervised fine-tuning of the U-Net with a head (Table 5 of the paper). */
@Command(name = "finetune", mixinStandardHelpOptions = true, modelTransformer = FineTuneCommand.HeadsItTunes.class,
        description = {"Fine-tunes the U-Net (built only up to the deepest block the head reads) together with a head on a labelled",
                "split, e.g. the SimCLR IN-1%% / IN-10%% subsets, evaluating on the dataset's evaluation split (the full ImageNet val",
                "set for them). Head and backbone have separate learning rates (same StepLR schedule); --freeze-blocks k keeps",
                "blocks 1..k and the timestep embedding fixed. Checks and reports the class balance of the training split.",
                "Writes run.json, metrics.csv, checkpoint.bin (head + U-Net + optimizer state, every epoch, atomically) and",
                "summary.json to --out; --resume continues exactly. fp32 throughout (the official code's fp16 SGD is not reproduced)."})
public final class FineTuneCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(FineTuneCommand.class);

    @Mixin
    InputOptions inputs = new InputOptions();

    @Mixin
    HeadOptions headOptions;

    @Option(names = "--batch", defaultValue = "16", description = "Training batch (default ${DEFAULT-VALUE}; see the README for the memory it takes).")
    int batch;

    @Option(names = "--accumulate", defaultValue = "1",
            description = "Micro-batches of --batch per optimizer step (effective batch = batch x accumulate) (default ${DEFAULT-VALUE}).")
    int accumulate;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Head learning rate (default ${DEFAULT-VALUE}, the official code's fine-tuning value).")
    double lr;

    @Option(names = "--backbone-lr", defaultValue = "1e-4",
            description = "U-Net learning rate (default ${DEFAULT-VALUE}; not in the paper, whose code uses the head's lr for both).")
    double backboneLr;

    @Option(names = "--freeze-blocks", defaultValue = "0", description = "Keep blocks 1..k (and the timestep embedding) fixed (default ${DEFAULT-VALUE}).")
    int freezeBlocks;

    @Option(names = "--random-crop", description = "Train with the official code's random scale + crop instead of the paper's centre crop (both flip).")
    boolean randomCrop;

    @Option(names = "--head-seed", defaultValue = "0", description = "Seed of the head's initialisation (default ${DEFAULT-VALUE}).")
    long headSeed;

    @Mixin
    ScheduleOptions schedule;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Inputs in = inputs.resolver().optTrainTransform(randomCrop ? Inputs.TrainTransform.FLIP_RANDOM_CROP : Inputs.TrainTransform.FLIP).build();
        AdmConfig cfg = in.config();
        String dataset = in.dataset();
        Path checkpoint = in.checkpoint();
        Path dir = schedule.runDirectory("finetune-" + headOptions.kind() + "-" + dataset);
        headOptions.check(cfg);
        schedule.check(dir);
        Checks.positive("--lr", lr);
        Checks.notNegative("--backbone-lr", backboneLr);
        Checks.atLeast("--batch", batch, 1);
        Checks.atLeast("--accumulate", accumulate, 1);
        Checks.atLeast("--freeze-blocks", freezeBlocks, 0);
        Provenance provenance = Provenance.start(spec);
        // fine-tuning draws random batches that must hold every image they name: unreadable ones are
        // screened out (and the run refused past --max-unreadable) before the weights are read
        ImageSource trainImages = in.trainImages().readable();
        ImageSource evalImages = in.evalImages().readable();
        int[] labels = new int[trainImages.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = trainImages.label(i);
        ClassBalance balance = ClassBalance.of(labels, trainImages.numClasses());
        String deviation = balance.deviation(dataset);
        log.info("training split {}: {} images, {}–{} per class, {} of {} classes present", trainImages.describe(), balance.images(),
                balance.min(), balance.max(), balance.classesPresent(), balance.classes());
        if (deviation != null) log.warn("class balance: {}", deviation);

        HeadConfig h = headOptions.build(cfg, trainImages.numClasses());
        HeadKind kind = h.kind();
        TrainConfig tc = schedule.config(lr, batch);
        FineTuneGraph graph;
        int stepBatch = Math.min(batch, trainImages.size());
        String sizeOptions = HeadOptions.sizeOptions(kind) + ", or freeze more blocks (--freeze-blocks)";
        Heads.attentionScores(h, cfg, stepBatch)
                .ifPresent(need -> need.requireFits("--batch, " + sizeOptions));
        try (StateDict weights = Checkpoints.read(checkpoint)) {
            graph = FineTuneGraph.build(h, cfg, weights::get, freezeBlocks, headSeed);
        }
        StepMemory.requireFits("the " + kind + " head and the unfrozen U-Net", graph, graph::zeroBatch, StepMemory.CLASSIFIER_OUTPUTS, stepBatch, sizeOptions);
        ObjectMapper json = new ObjectMapper();
        ObjectNode run = json.createObjectNode();
        run.put("model", cfg.toString());
        run.put("checkpoint_sha256", in.checkpointSha256());
        run.put("head_seed", headSeed);
        run.set("class_balance", json.valueToTree(balance));
        run.put("class_balance_as_documented", deviation == null);
        run.set("provenance", provenance.optModel(cfg.name(), checkpoint, in.checkpointSha256()).optDataset(dataset)
                .optSplit("train", trainImages.describe()).optSplit("eval", evalImages.describe()).optSeed("shuffle_noise_draws", schedule.seed)
                .optSeed("head_init", headSeed).toJson());
        List<EpochMetrics> history = new FineTuner(graph, new ImageFeeder(trainImages, h.timesteps(), schedule.seed),
                new ImageFeeder(evalImages, h.timesteps(), schedule.seed), tc, backboneLr, dir, run).optAccumulate(accumulate)
                .optProgress(!schedule.noProgress).run(schedule.resume);
        ObjectMapper indented = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode written = (ObjectNode) indented.readTree(dir.resolve(Trainer.RUN).toFile());
        written.set("provenance", provenance.finish().toJson());
        AtomicFiles.writeString(dir.resolve(Trainer.RUN), indented.writeValueAsString(written));
        EpochMetrics last = history.get(history.size() - 1);
        PrintWriter pw = spec.commandLine().getOut();
        pw.printf(Locale.ROOT, "finetune %s on %s: %d epochs, eval top-1 %.4f top-5 %.4f; %,d head + %,d U-Net parameters trained, %,d frozen;"
                        + " run in %s%n", kind, trainImages.describe(), last.epoch(), last.evalTop1(), last.evalTop5(),
                graph.count(graph.headNames()), graph.count(graph.backboneNames()), graph.count(graph.frozenNames()), dir.toAbsolutePath());
        int skipped = UnreadableImages.write(dir, List.of(trainImages, evalImages));
        if (skipped > 0) pw.printf("%d unreadable image(s) skipped, listed in %s%n", skipped, dir.resolve(UnreadableImages.FILE));
        pw.flush();
        return 0;
    }


    /** The shared --head option, described with the heads fine-tuning supports (DifFeed's first pass runs without gradient). */
    static final class HeadsItTunes implements CommandLine.IModelTransformer {
        @Override
        public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
            CommandLine.Model.OptionSpec head = spec.findOption("--head");
            spec.remove(head);
            spec.addOption(head.toBuilder().description("linear, mlp, cnn, attention or difformer (default ${DEFAULT-VALUE}; not diffeed).").build());
            return spec;
        }
    }

    public static void main(String[] args) {
        Cli.main(new FineTuneCommand(), args);
    }
}
