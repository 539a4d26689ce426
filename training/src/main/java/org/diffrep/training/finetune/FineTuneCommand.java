package org.diffrep.training.finetune;

import org.diffrep.training.cache.LazyBackbone;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.LoaderOptions;
import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.data.DatasetImages;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.SyntheticImages;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.train.EpochMetrics;
import org.diffrep.training.train.ImageFeeder;
import org.diffrep.training.train.TrainConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.diffrep.training.cli.HeadOptions;
import org.diffrep.training.cli.ScheduleOptions;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code diffrep finetune}: semi-supervised fine-tuning of the U-Net with a head (Table 5 of the paper). */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Fine-tunes the U-Net (built only up to the deepest block the head reads) together with a head on a labelled",
                "split, e.g. the SimCLR IN-1% / IN-10% subsets, evaluating on the dataset's evaluation split (the full ImageNet val",
                "set for them). Head and backbone have separate learning rates (same StepLR schedule); --freeze-blocks k keeps",
                "blocks 1..k and the timestep embedding fixed. Checks and reports the class balance of the training split.",
                "Writes run.json, metrics.csv, checkpoint.bin (head + U-Net + optimizer state, every epoch, atomically) and",
                "summary.json to --out; --resume continues exactly. fp32 throughout (the official code's fp16 SGD is not reproduced)."})
public final class FineTuneCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(FineTuneCommand.class);

    @Option(names = "--dataset", defaultValue = "imagenet-1pct",
            description = "imagenet-1pct, imagenet-10pct, any other dataset name, or 'synthetic' (generated squares) (default ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--root", description = "Dataset root in its official layout.")
    Path root;

    @Option(names = "--config", defaultValue = "adm-256-uncond", description = "U-Net config name or config.json (default ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--checkpoint", required = true, description = "U-Net weights (.pt or .npz).")
    Path checkpoint;

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

    @Option(names = "--limit-train", defaultValue = "0", description = "Use only the first N training images (0 = all).")
    int limitTrain;

    @Option(names = "--limit-eval", defaultValue = "0", description = "Use only the first N evaluation images (0 = all).")
    int limitEval;

    @Option(names = "--threads", defaultValue = "2", description = "Image decode threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--head-seed", defaultValue = "0", description = "Seed of the head's initialisation (default ${DEFAULT-VALUE}).")
    long headSeed;

    @Mixin
    ScheduleOptions schedule;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AdmConfig cfg = AdmConfigs.resolve(config);
        ImageSource trainImages;
        ImageSource evalImages;
        if (dataset.equals("synthetic")) {
            trainImages = new SyntheticImages(cfg.imageSize(), limitTrain > 0 ? limitTrain : 64, 4, 1);
            evalImages = new SyntheticImages(cfg.imageSize(), limitEval > 0 ? limitEval : 32, 4, 2);
        } else {
            if (root == null) throw new CommandLine.ParameterException(spec.commandLine(), "--root is required for dataset " + dataset);
            ImageDataset ds = DatasetRegistry.open(dataset, root);
            LoaderOptions train = LoaderOptions.training(cfg.imageSize(), 0).withRandomScaleCrop(randomCrop).withThreads(threads);
            trainImages = new DatasetImages(ds, ds.trainSplit(), train, limitTrain);
            evalImages = new DatasetImages(ds, ds.evalSplit(), LoaderOptions.evaluation(cfg.imageSize()).withThreads(threads), limitEval);
        }
        int[] labels = new int[trainImages.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = trainImages.label(i);
        ClassBalance balance = ClassBalance.of(labels, trainImages.numClasses());
        String deviation = balance.deviation(dataset);
        log.info("training split {}: {} images, {}–{} per class, {} of {} classes present", trainImages.describe(), balance.images(),
                balance.min(), balance.max(), balance.classesPresent(), balance.classes());
        if (deviation != null) log.warn("class balance: {}", deviation);

        HeadConfig h = headOptions.build(trainImages.numClasses());
        HeadKind kind = h.kind();
        TrainConfig tc = schedule.config(lr, batch);
        FineTuneGraph graph;
        try (StateDict weights = Checkpoints.read(checkpoint)) {
            graph = FineTuneGraph.build(h, cfg, weights::get, freezeBlocks, headSeed);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode run = json.createObjectNode();
        run.put("model", cfg.toString());
        run.put("checkpoint_sha256", LazyBackbone.sha256(checkpoint));
        run.put("head_seed", headSeed);
        run.set("class_balance", json.valueToTree(balance));
        run.put("class_balance_as_documented", deviation == null);
        ObjectNode prov = run.putObject("provenance");
        prov.put("dataset", dataset);
        prov.put("root", root == null ? "" : root.toAbsolutePath().toString());
        prov.put("checkpoint", checkpoint.toAbsolutePath().toString());
        prov.put("started", Instant.now().toString());
        prov.put("nd4j_backend", Nd4j.getBackend().getClass().getName());
        prov.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        prov.put("cores", Runtime.getRuntime().availableProcessors());
        Path dir = schedule.runDirectory("finetune-" + kind + "-" + dataset);
        List<EpochMetrics> history = new FineTuner(graph, new ImageFeeder(trainImages, h.timesteps(), schedule.seed),
                new ImageFeeder(evalImages, h.timesteps(), schedule.seed), tc, backboneLr, dir, run).optAccumulate(accumulate)
                .optProgress(!schedule.noProgress).run(schedule.resume);
        EpochMetrics last = history.get(history.size() - 1);
        PrintWriter pw = spec.commandLine().getOut();
        pw.printf(Locale.ROOT, "finetune %s on %s: %d epochs, eval top-1 %.4f top-5 %.4f; %,d head + %,d U-Net parameters trained, %,d frozen;"
                        + " run in %s%n", kind, trainImages.describe(), last.epoch(), last.evalTop1(), last.evalTop5(),
                graph.count(graph.headNames()), graph.count(graph.backboneNames()), graph.count(graph.frozenNames()), dir.toAbsolutePath());
        pw.flush();
        return 0;
    }


    public static void main(String[] args) {
        System.exit(new CommandLine(new FineTuneCommand()).execute(args));
    }
}
