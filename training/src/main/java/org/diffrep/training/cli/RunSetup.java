package org.diffrep.training.cli;

import picocli.CommandLine.Option;

/**
 * Where a run's data and backbone come from (stored in run.json so {@code eval --run} can rebuild
 * the run). Also the picocli options for them.
 */
public final class RunSetup {

    @Option(names = "--dataset", required = true,
            description = "Dataset name (imagenet, imagenet-50, imagenet-1pct, imagenet-10pct, cub, nabirds, aircraft, cars, dogs, "
                    + "flowers, fashion-mnist) or 'synthetic' (generated 4-class squares, no files).")
    public String dataset;

    @Option(names = "--root", description = "Dataset root in its official layout.")
    public String root;

    @Option(names = "--train-split", description = "Training split (default: the paper's for the dataset).")
    public String trainSplit;

    @Option(names = "--eval-split", description = "Evaluation split (default: the paper's for the dataset).")
    public String evalSplit;

    @Option(names = "--random-crop", description = "Train with the official code's random short-side scale + random crop "
            + "instead of the paper's centre crop (both flip).")
    public boolean randomCrop;

    @Option(names = "--limit-train", defaultValue = "0", description = "Use only the first N training images (0 = all; synthetic: default 64).")
    public int limitTrain;

    @Option(names = "--limit-eval", defaultValue = "0", description = "Use only the first N evaluation images (0 = all; synthetic: default 32).")
    public int limitEval;

    @Option(names = "--threads", defaultValue = "2", description = "Image decode threads (default ${DEFAULT-VALUE}).")
    public int threads;

    @Option(names = "--config", defaultValue = "adm-256-uncond", description = "U-Net config name or config.json (default ${DEFAULT-VALUE}).")
    public String config;

    @Option(names = "--image-size", description = "U-Net input side (default: the config's).")
    public Integer imageSize;

    @Option(names = "--checkpoint", required = true, description = "U-Net weights (.pt or .npz).")
    public String checkpoint;

    @Option(names = "--cache", description = "Feature cache directory: extract the head's inputs once and train from them "
            + "(not for diffeed, whose feedback needs the U-Net in the loop).")
    public String cache;

    @Option(names = "--draws", defaultValue = "1", description = "Cached noise/transform draws per training image (default ${DEFAULT-VALUE}).")
    public int draws;

    @Option(names = "--extract-batch", defaultValue = "16", description = "Images per U-Net forward when filling the cache (default ${DEFAULT-VALUE}).")
    public int extractBatch;

    @Option(names = "--head-seed", defaultValue = "0", description = "Seed of the head's initialisation (default ${DEFAULT-VALUE}).")
    public long headSeed;
}
