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
import picocli.CommandLine.Option;

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

    @Option(names = "--head", defaultValue = "linear", description = "linear, mlp, cnn, attention or difformer (default ${DEFAULT-VALUE}).")
    String head;

    @Option(names = "--t", split = ",", defaultValue = "150", description = "Noise steps (default ${DEFAULT-VALUE}; DifFormer: 90,150,300).")
    List<Integer> timesteps;

    @Option(names = "--blocks", split = ",", defaultValue = "24", description = "Blocks the head reads (default ${DEFAULT-VALUE}; DifFormer: 19,24,30).")
    List<Integer> blocks;

    @Option(names = "--pool", defaultValue = "avg:2", description = "Linear/MLP pooling (default ${DEFAULT-VALUE}).")
    String pool;

    @Option(names = "--hidden", split = ",", defaultValue = "2048", description = "MLP hidden widths (default ${DEFAULT-VALUE}).")
    List<Integer> hidden;

    @Option(names = "--cnn-channels", split = ",", defaultValue = "1024,1024", description = "CNN conv widths a,b (default ${DEFAULT-VALUE}).")
    List<Integer> cnnChannels;

    @Option(names = "--dim", defaultValue = "1024", description = "Attention heads: token width (default ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--attn-heads", defaultValue = "8", description = "Attention heads: heads per transformer block (default ${DEFAULT-VALUE}).")
    int attnHeads;

    @Option(names = "--depth", defaultValue = "2", description = "Attention heads: transformer blocks (default ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--pool-cap", defaultValue = "16", description = "Attention heads: tokenizer pools maps to at most this side (default ${DEFAULT-VALUE}).")
    int poolCap;

    @Option(names = "--epochs", defaultValue = "28", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "16", description = "Training batch (default ${DEFAULT-VALUE}; see the README for the memory it takes).")
    int batch;

    @Option(names = "--accumulate", defaultValue = "1",
            description = "Micro-batches of --batch per optimizer step (effective batch = batch x accumulate) (default ${DEFAULT-VALUE}).")
    int accumulate;

    @Option(names = "--eval-batch", description = "Evaluation batch (default: the training batch).")
    Integer evalBatch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Head learning rate (default ${DEFAULT-VALUE}, the official code's fine-tuning value).")
    double lr;

    @Option(names = "--backbone-lr", defaultValue = "1e-4",
            description = "U-Net learning rate (default ${DEFAULT-VALUE}; not in the paper, whose code uses the head's lr for both).")
    double backboneLr;

    @Option(names = "--freeze-blocks", defaultValue = "0", description = "Keep blocks 1..k (and the timestep embedding) fixed (default ${DEFAULT-VALUE}).")
    int freezeBlocks;

    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd (the official code) or adam (default ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (default ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--lr-step", defaultValue = "7", description = "Epochs between lr decays (default ${DEFAULT-VALUE}).")
    int lrStep;

    @Option(names = "--lr-gamma", defaultValue = "0.1", description = "lr decay factor (default ${DEFAULT-VALUE}).")
    double lrGamma;

    @Option(names = "--random-crop", description = "Train with the official code's random scale + crop instead of the paper's centre crop (both flip).")
    boolean randomCrop;

    @Option(names = "--limit-train", defaultValue = "0", description = "Use only the first N training images (0 = all).")
    int limitTrain;

    @Option(names = "--limit-eval", defaultValue = "0", description = "Use only the first N evaluation images (0 = all).")
    int limitEval;

    @Option(names = "--threads", defaultValue = "2", description = "Image decode threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of shuffling, noise and transform draws (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--head-seed", defaultValue = "0", description = "Seed of the head's initialisation (default ${DEFAULT-VALUE}).")
    long headSeed;

    @Option(names = "--out", description = "Run directory (default runs/finetune-<head>-<dataset>).")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint.")
    boolean resume;

    @Option(names = "--no-progress", description = "No progress bars.")
    boolean noProgress;

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

        HeadKind kind = HeadKind.parse(head);
        HeadConfig h = new HeadConfig(kind, timesteps, blocks, pool, hidden, cnnChannels, dim, attnHeads, 4.0, depth, poolCap, null,
                trainImages.numClasses());
        TrainConfig tc = new TrainConfig(epochs, batch, lr, optimizer, momentum, weightDecay, lrStep, lrGamma, seed,
                evalBatch != null ? evalBatch : batch);
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
        Path dir = out != null ? out : Path.of("runs", "finetune-" + kind + "-" + dataset);
        List<EpochMetrics> history = new FineTuner(graph, new ImageFeeder(trainImages, h.timesteps(), seed),
                new ImageFeeder(evalImages, h.timesteps(), seed), tc, backboneLr, dir, run).optAccumulate(accumulate).optProgress(!noProgress).run(resume);
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
