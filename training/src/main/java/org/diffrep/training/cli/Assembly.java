package org.diffrep.training.cli;

import org.diffrep.training.cache.LazyBackbone;

import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.LoaderOptions;
import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.cache.BackboneExtractor;
import org.diffrep.training.cache.CachedSplit;
import org.diffrep.training.cache.FeatureCache;
import org.diffrep.training.data.DatasetImages;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.SyntheticImages;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.train.Feeder;
import org.diffrep.training.train.ImageFeeder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Turns a {@link RunSetup} and a head into a classifier graph and its train/eval feeders: from the
 * feature cache when one is given (extracting what is missing), else graph-native with the U-Net
 * in the head's graph.
 */
final class Assembly implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Assembly.class);

    final RunSetup setup;
    final AdmConfig config;
    final ImageSource trainImages;
    final ImageSource evalImages;
    final String checkpointSha256;
    private StateDict weights;
    private CachedSplit trainCache;
    private CachedSplit evalCache;

    Assembly(RunSetup setup) {
        this.setup = setup;
        AdmConfig c = AdmConfigs.resolve(setup.config);
        this.config = setup.imageSize == null ? c : c.withImageSize(setup.imageSize);
        if (setup.dataset.equals("synthetic")) {
            trainImages = new SyntheticImages(config.imageSize(), setup.limitTrain > 0 ? setup.limitTrain : 64, 4, 1);
            evalImages = new SyntheticImages(config.imageSize(), setup.limitEval > 0 ? setup.limitEval : 32, 4, 2);
        } else {
            if (setup.root == null) throw new IllegalArgumentException("--root is required for dataset " + setup.dataset);
            ImageDataset ds = DatasetRegistry.open(setup.dataset, Path.of(setup.root));
            LoaderOptions train = LoaderOptions.training(config.imageSize(), 0).withRandomScaleCrop(setup.randomCrop).withThreads(setup.threads);
            LoaderOptions eval = LoaderOptions.evaluation(config.imageSize()).withThreads(setup.threads);
            trainImages = new DatasetImages(ds, setup.trainSplit != null ? setup.trainSplit : ds.trainSplit(), train, setup.limitTrain);
            evalImages = new DatasetImages(ds, setup.evalSplit != null ? setup.evalSplit : ds.evalSplit(), eval, setup.limitEval);
        }
        this.checkpointSha256 = LazyBackbone.sha256(Path.of(setup.checkpoint));
    }

    int numClasses() {
        return trainImages.numClasses();
    }

    boolean fromCache(HeadConfig head) {
        return setup.cache != null && head.cacheable();
    }

    StateDict weights() {
        if (weights == null) {
            log.info("reading {}", setup.checkpoint);
            weights = Checkpoints.read(Path.of(setup.checkpoint));
        }
        return weights;
    }

    /** Fills (or verifies) the cache for the evaluation split and, when asked, the training split, and opens them. */
    void ensureCache(HeadConfig head, long seed, boolean progress, boolean withTrain) {
        if (!head.cacheable()) throw new IllegalArgumentException(head.kind() + " cannot train from cached features");
        int deepest = head.blocks().get(head.blocks().size() - 1);
        AdmUNet net = AdmUNet.builder(config).setWeights(weights()::get).optUpToBlock(deepest).build();
        BackboneExtractor ex = new BackboneExtractor(net, checkpointSha256);
        IntFunction<Pooling> pooling = b -> head.inputPooling(net.layout().block(b).side(config.imageSize()));
        FeatureCache cache = new FeatureCache(Path.of(setup.cache)).optProgress(progress);
        if (withTrain) {
            trainCache = cache.ensure(new FeatureCache.Request(trainImages, head.timesteps(), head.blocks(), pooling, seed,
                    setup.draws, setup.extractBatch), ex);
        }
        evalCache = cache.ensure(new FeatureCache.Request(evalImages, head.timesteps(), head.blocks(), pooling, seed, 1,
                setup.extractBatch), ex);
    }

    ClassifierGraph graph(HeadConfig head, long seed, boolean progress, boolean withTrain) {
        if (fromCache(head)) {
            ensureCache(head, seed, progress, withTrain);
            return ClassifierGraph.onFeatures(head, evalCache.shapes(), setup.headSeed);
        }
        if (setup.cache != null) log.warn("{} needs the U-Net in its graph: training graph-native, --cache is not used", head.kind());
        return ClassifierGraph.onBackbone(head, config, weights()::get, setup.headSeed);
    }

    Feeder trainFeeder(HeadConfig head, long seed) {
        return trainCache != null ? trainCache : new ImageFeeder(trainImages, head.timesteps(), seed);
    }

    Feeder evalFeeder(HeadConfig head, long seed) {
        return evalCache != null ? evalCache : new ImageFeeder(evalImages, head.timesteps(), seed);
    }


    List<String> describeData() {
        return List.of(trainImages.describe(), evalImages.describe());
    }

    @Override
    public void close() {
        if (trainCache != null) trainCache.close();
        if (evalCache != null) evalCache.close();
    }
}
