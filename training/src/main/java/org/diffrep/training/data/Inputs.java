package org.diffrep.training.data;

import org.diffrep.common.UserInputException;
import org.diffrep.common.cli.Checks;
import org.diffrep.common.util.FileHashes;
import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.LoaderOptions;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.cache.LazyBackbone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which images, which model and which weights a command works on: the one place that fills in
 * the embedded default (the shipped Fashion-MNIST and {@code adm-fmnist} model), opens a dataset
 * and turns its splits into {@link ImageSource}s whose channels and side are the model's.
 * Nothing here reads the weights: {@link #checkpointSha256()} hashes the file once, and the
 * U-Net is built only by whoever has features to compute ({@link LazyBackbone}).
 */
public final class Inputs {

    private static final Logger log = LoggerFactory.getLogger(Inputs.class);

    /** The dataset shipped in the repository, used when none is named. */
    public static final String DEFAULT_DATASET = "fashion-mnist";
    /** Generated 4-class squares (no files), for checks and quick runs. */
    public static final String SYNTHETIC = "synthetic";
    /** The model shipped in the repository (pretrained on {@link #DEFAULT_DATASET}). */
    public static final String SHIPPED_CONFIG = "adm-fmnist";
    /** The paper's backbone, the default config for every dataset but the shipped one. */
    public static final String PAPER_CONFIG = "adm-256-uncond";
    /** Where OpenAI publishes the paper's weights (guided-diffusion's README); diffrep never downloads. */
    public static final String PAPER_WEIGHTS_URL = "https://openaipublic.blob.core.windows.net/diffusion/jul-2021/256x256_diffusion_uncond.pt";

    /** How the training split is augmented; evaluation splits never are. */
    public enum TrainTransform {
        /** The paper's: random horizontal flip, centre crop. */
        FLIP,
        /** The official code's: random short-side scale, random crop, flip. */
        FLIP_RANDOM_CROP,
        /** As evaluated: kNN, CKA and sweeps compare images, not augmentations. */
        NONE
    }

    private final String dataset;
    private final Path root;
    private final AdmConfig config;
    private final Path checkpoint;
    private final String trainSplit;
    private final String evalSplit;
    private final int limitTrain;
    private final int limitEval;
    private final int threads;
    private final double maxUnreadable;
    private final TrainTransform trainTransform;
    private ImageDataset opened;
    private ImageSource train;
    private ImageSource eval;
    private String sha;

    private Inputs(Builder b) {
        this.dataset = b.dataset != null ? b.dataset : DEFAULT_DATASET;
        AdmConfig c = AdmConfigs.resolve(b.config != null ? b.config : defaultConfig(dataset));
        this.config = b.imageSize == null ? c : c.withImageSize(b.imageSize);
        if (config.inChannels() != 1 && config.inChannels() != 3) {
            throw new UserInputException(config.name() + " takes " + config.inChannels() + " input channels; images load as 1"
                    + " (grayscale) or 3 (RGB) channels only");
        }
        if (dataset.equals(SYNTHETIC)) {
            this.root = null;
        } else if (b.root != null) {
            Checks.existingFolder("--root", b.root);
            this.root = b.root.toAbsolutePath().normalize();
        } else if (dataset.equals(DEFAULT_DATASET)) {
            this.root = shipped(ShippedFiles.DATA, "--root");
        } else {
            throw new UserInputException("--root is required for dataset " + dataset + " (its folder in the official layout)");
        }
        if (b.checkpoint != null) {
            Checks.existingFile("--checkpoint", b.checkpoint);
            this.checkpoint = b.checkpoint.toAbsolutePath().normalize();
        } else if (config.name().equals(SHIPPED_CONFIG)) {
            this.checkpoint = shipped(ShippedFiles.MODEL, "--checkpoint");
        } else if (config.name().equals(PAPER_CONFIG)) {
            throw new UserInputException("--checkpoint is required for " + PAPER_CONFIG + ": download 256x256_diffusion_uncond.pt from "
                    + PAPER_WEIGHTS_URL + " (linked from github.com/openai/guided-diffusion) and pass its path");
        } else {
            throw new UserInputException("--checkpoint is required for config " + config.name());
        }
        this.trainSplit = b.trainSplit;
        this.evalSplit = b.evalSplit;
        this.limitTrain = b.limitTrain;
        this.limitEval = b.limitEval;
        this.threads = b.threads;
        this.maxUnreadable = b.maxUnreadable;
        this.trainTransform = b.trainTransform;
        Checks.atLeast("--limit-train", limitTrain, 0);
        Checks.atLeast("--limit-eval", limitEval, 0);
        Checks.atLeast("--threads", threads, 1);
    }

    /** The config a dataset gets when none is named: the shipped model for the data it can read without a download. */
    public static String defaultConfig(String dataset) {
        return dataset.equals(DEFAULT_DATASET) || dataset.equals(SYNTHETIC) ? SHIPPED_CONFIG : PAPER_CONFIG;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link Inputs}; everything left unset takes the embedded default. */
    public static final class Builder {
        private String dataset;
        private Path root;
        private String config;
        private Integer imageSize;
        private Path checkpoint;
        private String trainSplit;
        private String evalSplit;
        private int limitTrain;
        private int limitEval;
        private int threads = 2;
        private double maxUnreadable = LoaderOptions.DEFAULT_MAX_BAD_FRACTION;
        private TrainTransform trainTransform = TrainTransform.FLIP;

        private Builder() {}

        /** A name of {@link DatasetRegistry#NAMES} or {@value #SYNTHETIC} (default {@value #DEFAULT_DATASET}). */
        public Builder optDataset(String v) { dataset = v; return this; }
        /** Dataset root in its official layout (default for {@value #DEFAULT_DATASET}: the shipped copy). */
        public Builder optRoot(Path v) { root = v; return this; }
        /** Registered config name or config.json (default: {@link #defaultConfig}). */
        public Builder optConfig(String v) { config = v; return this; }
        /** Input side in pixels (default: the config's). */
        public Builder optImageSize(Integer v) { imageSize = v; return this; }
        /** U-Net weights (default for {@value #SHIPPED_CONFIG}: the shipped model). */
        public Builder optCheckpoint(Path v) { checkpoint = v; return this; }
        /** Training split (default: the dataset's, as in the paper). */
        public Builder optTrainSplit(String v) { trainSplit = v; return this; }
        /** Evaluation split (default: the dataset's, as in the paper). */
        public Builder optEvalSplit(String v) { evalSplit = v; return this; }
        /** Only the first n training images (0 = all; synthetic: 64). */
        public Builder optLimitTrain(int v) { limitTrain = v; return this; }
        /** Only the first n evaluation images (0 = all; synthetic: 32). */
        public Builder optLimitEval(int v) { limitEval = v; return this; }
        /** Image decode threads (default 2). */
        public Builder optThreads(int v) { threads = v; return this; }
        /** Share of a split's images that may be unreadable (skipped and listed) before the run fails (default 0.01). */
        public Builder optMaxUnreadable(double v) { maxUnreadable = v; return this; }
        /** Augmentation of the training split (default {@link TrainTransform#FLIP}). */
        public Builder optTrainTransform(TrainTransform v) { trainTransform = v; return this; }

        public Inputs build() {
            return new Inputs(this);
        }
    }

    public String dataset() {
        return dataset;
    }

    /** The dataset root as an absolute path; null for the synthetic dataset. */
    public Path root() {
        return root;
    }

    public AdmConfig config() {
        return config;
    }

    /** The weights as an absolute path (runs store it so, to be re-evaluated from any folder). */
    public Path checkpoint() {
        return checkpoint;
    }

    /** SHA-256 of the weights file, hashed once: names the weights in cache keys and run files without reading tensors. */
    public String checkpointSha256() {
        if (sha == null) sha = FileHashes.sha256(checkpoint);
        return sha;
    }

    /** The U-Net as a feature extractor up to block {@code deepest}; its weights are read only if a feature has to be computed. */
    public LazyBackbone extractor(int deepest) {
        return new LazyBackbone(config, checkpoint, deepest, this::checkpointSha256);
    }

    public ImageSource trainImages() {
        if (train == null) train = split(trainSplit, true, limitTrain);
        return train;
    }

    public ImageSource evalImages() {
        if (eval == null) eval = split(evalSplit, false, limitEval);
        return eval;
    }

    /** The opened dataset (null for the synthetic one). */
    public ImageDataset openDataset() {
        if (opened == null && root != null) opened = DatasetRegistry.open(dataset, root);
        return opened;
    }

    private ImageSource split(String name, boolean training, int limit) {
        if (dataset.equals(SYNTHETIC)) {
            int count = limit > 0 ? limit : training ? 64 : 32;
            return new GeneratedSquares(config.imageSize(), count, 4, training ? 1 : 2, config.inChannels());
        }
        ImageDataset ds = openDataset();
        String split = name != null ? name : training ? ds.trainSplit() : ds.evalSplit();
        TrainTransform transform = training ? trainTransform : TrainTransform.NONE;
        if (dataset.equals(DEFAULT_DATASET) && config.inChannels() == 1 && config.imageSize() == FashionMnistImages.SIDE) {
            // the pixels as the shipped model was trained on them: 28x28 padded to 32, no resampling
            FashionMnistImages all = FashionMnistImages.of(ds, split, transform != TrainTransform.NONE);
            if (limit > all.size()) throw tooFew(limit, split, all.size());
            return limit <= 0 || limit == all.size() ? all : all.subset(firstN(limit));
        }
        if (config.inChannels() == 1 && !dataset.equals(DEFAULT_DATASET)) {
            log.info("{} takes grayscale images: {} is read as luma", config.name(), dataset);
        }
        LoaderOptions options = (transform == TrainTransform.NONE ? LoaderOptions.evaluation(config.imageSize())
                : LoaderOptions.training(config.imageSize(), 0).withRandomScaleCrop(transform == TrainTransform.FLIP_RANDOM_CROP))
                .withChannels(config.inChannels()).withThreads(threads).withMaxBadFraction(maxUnreadable);
        return new DatasetImages(ds, split, options, limit);
    }

    /** More images asked for than the split holds: refused, not silently shortened. */
    private UserInputException tooFew(int limit, String split, int size) {
        return new UserInputException("asked for the first " + limit + " images of " + dataset + "/" + split + ", which has only " + size
                + ": lower --limit-train / --limit-eval (0 = all)");
    }

    private static int[] firstN(int n) {
        int[] first = new int[n];
        for (int i = 0; i < n; i++) first[i] = i;
        return first;
    }

    /** A file shipped with the repository (the embedded default), or a clear error naming the option to pass instead. */
    private static Path shipped(String relative, String option) {
        try {
            return ShippedFiles.find(relative).toAbsolutePath().normalize();
        } catch (IllegalArgumentException e) {
            throw new UserInputException("the embedded default needs " + relative + ", which is not in this checkout; pass " + option
                    + " explicitly", e);
        }
    }
}
