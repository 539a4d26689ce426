package org.diffrep.training.cli;

import org.diffrep.datasets.UnreadableOptions;
import org.diffrep.training.data.Inputs;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The options naming a command's images, model and weights (train, extract, finetune, knn, cka,
 * sweep), resolved by {@link Inputs}: without any, the shipped Fashion-MNIST and adm-fmnist model.
 * Plain fields, so a run stores them (paths made absolute) and {@code eval --run} rebuilds them.
 */
public final class InputOptions {

    @Option(names = "--dataset", defaultValue = Inputs.DEFAULT_DATASET,
            description = "Dataset name (imagenet, imagenet-50, imagenet-1pct, imagenet-10pct, cub, nabirds, aircraft, cars, dogs, "
                    + "flowers, fashion-mnist) or 'synthetic' (generated 4-class squares, no files) (default ${DEFAULT-VALUE}, "
                    + "shipped in data/fashion-mnist).")
    public String dataset = Inputs.DEFAULT_DATASET;

    @Option(names = "--root", description = "Dataset root in its official layout (default for fashion-mnist: the shipped copy).")
    public String root;

    @Option(names = "--train-split", description = "Training split (default: the paper's for the dataset).")
    public String trainSplit;

    @Option(names = "--eval-split", description = "Evaluation split (default: the paper's for the dataset).")
    public String evalSplit;

    @Option(names = "--limit-train", defaultValue = "0", description = "Use only the first N training images (0 = all; synthetic: default 64).")
    public int limitTrain;

    @Option(names = "--limit-eval", defaultValue = "0", description = "Use only the first N evaluation images (0 = all; synthetic: default 32).")
    public int limitEval;

    @Option(names = "--threads", defaultValue = "2", description = "Image decode threads (default ${DEFAULT-VALUE}).")
    public int threads = 2;

    @Option(names = "--config", description = "U-Net config name or config.json (default: " + Inputs.SHIPPED_CONFIG
            + ", the shipped model, for fashion-mnist and synthetic; " + Inputs.PAPER_CONFIG + " for every other dataset).")
    public String config;

    @Option(names = "--image-size", description = "U-Net input side (default: the config's).")
    public Integer imageSize;

    @Option(names = "--checkpoint", description = "U-Net weights (.pt or .npz) (default for " + Inputs.SHIPPED_CONFIG
            + ": the shipped models/adm-fmnist/ema.npz; " + Inputs.PAPER_CONFIG + ": 256x256_diffusion_uncond.pt from "
            + Inputs.PAPER_WEIGHTS_URL + ").")
    public String checkpoint;

    @Mixin
    public UnreadableOptions unreadable = new UnreadableOptions();

    /** A resolver with these options; the command adds how it augments the training split. */
    public Inputs.Builder resolver() {
        return Inputs.builder().optDataset(dataset).optRoot(root != null ? Path.of(root) : null).optConfig(config).optImageSize(imageSize)
                .optCheckpoint(checkpoint != null ? Path.of(checkpoint) : null).optTrainSplit(trainSplit).optEvalSplit(evalSplit)
                .optLimitTrain(limitTrain).optLimitEval(limitEval).optThreads(threads)
                .optMaxUnreadable(unreadable.maxUnreadable());
    }
}
