package org.diffrep.training.cli;

import org.diffrep.common.UserInputException;
import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.training.cache.CachedSplit;
import org.diffrep.training.cache.ExtractionReport;
import org.diffrep.training.cache.ExtractionSpec;
import org.diffrep.training.cache.FeatureCache;
import org.diffrep.training.cache.LazyBackbone;
import org.diffrep.training.cache.ShardedExtraction;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Inputs;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.train.Feeder;
import org.diffrep.training.train.ImageFeeder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Turns a {@link RunSetup} and a head into a classifier graph and its train/eval feeders: from the
 * feature cache when one is given (extracting what is missing; the weights are read only then), else
 * graph-native with the U-Net in the head's graph.
 */
final class Assembly implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Assembly.class);

    final RunSetup setup;
    final Inputs inputs;
    final AdmConfig config;
    final ImageSource trainImages;
    final ImageSource evalImages;
    private LazyBackbone backbone;
    private StateDict weights;
    private CachedSplit trainCache;
    private CachedSplit evalCache;

    Assembly(RunSetup setup) {
        this.setup = setup;
        this.inputs = setup.resolve();
        this.config = inputs.config();
        this.trainImages = inputs.trainImages();
        this.evalImages = inputs.evalImages();
    }

    /** SHA-256 of the U-Net weights (hashed once; the tensors are not read). */
    String checkpointSha256() {
        return inputs.checkpointSha256();
    }

    /** The run's setup as run.json stores it: every path absolute. */
    RunSetup storedSetup() {
        return setup.stored(inputs);
    }

    int numClasses() {
        return trainImages.numClasses();
    }

    /** Whether the U-Net's weights were read (false when every cache file already existed). */
    boolean weightsRead() {
        return weights != null || backbone != null && backbone.loaded();
    }

    StateDict weights() {
        if (weights == null) {
            log.info("reading {}", inputs.checkpoint());
            weights = Checkpoints.read(inputs.checkpoint());
        }
        return weights;
    }

    /** Fills (or verifies) the cache for the evaluation split and, when asked, the training split, and opens them. */
    void ensureCache(HeadConfig head, long seed, boolean progress, boolean withTrain) {
        ensureCache(head, seed, progress, withTrain, ShardedExtraction.DEFAULT_SHARD_SIZE);
    }

    /** As above, with the images per shard a new cache folder is started with. */
    void ensureCache(HeadConfig head, long seed, boolean progress, boolean withTrain, int shardSize) {
        if (!head.cacheable()) throw new UserInputException(head.kind() + " cannot train from cached features");
        int deepest = head.blocks().get(head.blocks().size() - 1);
        backbone = inputs.extractor(deepest);
        FeatureCache cache = new FeatureCache(Path.of(setup.caching.cache)).optProgress(progress);
        if (withTrain) {
            trainCache = cache.ensure(new FeatureCache.Request(trainImages, head.timesteps(), head.blocks(), cachePooling(head), seed,
                    setup.draws, setup.caching.extractBatch, shardSize), backbone);
        }
        evalCache = cache.ensure(new FeatureCache.Request(evalImages, head.timesteps(), head.blocks(), cachePooling(head), seed, 1,
                setup.caching.extractBatch, shardSize), backbone);
    }

    /** What the cache stores per block: the pooling the head's first layer applies. */
    private IntFunction<Pooling> cachePooling(HeadConfig head) {
        return b -> head.inputPooling(config.layout().block(b).side(config.imageSize()));
    }

    /** What filling the cache did, over both splits ({@link #ensureCache} first). */
    ExtractionReport cacheReport() {
        ExtractionReport eval = evalCache.report();
        return trainCache != null ? trainCache.report().plus(eval) : eval;
    }

    /** One split's extraction for the head as a distributed engine ships it to its workers. */
    ExtractionSpec extractionSpec(HeadConfig head, long seed, boolean training, int shardSize) {
        Map<Integer, String> pooling = new TreeMap<>();
        head.blocks().forEach(b -> pooling.put(b, cachePooling(head).apply(b).toString()));
        InputOptions o = setup.inputs;
        ExtractionSpec.Data data = new ExtractionSpec.Data(inputs.dataset(), inputs.root() != null ? inputs.root().toString() : null,
                o.config != null ? o.config : config.name(), o.imageSize, inputs.checkpoint().toString(), checkpointSha256(), training,
                training ? o.trainSplit : o.evalSplit, training ? o.limitTrain : o.limitEval,
                (setup.randomCrop ? Inputs.TrainTransform.FLIP_RANDOM_CROP : Inputs.TrainTransform.FLIP).name(),
                o.unreadable.maxUnreadable());
        return new ExtractionSpec(data, head.timesteps(), head.blocks(), pooling, seed, training ? setup.draws : 1, shardSize,
                setup.caching.extractBatch, Path.of(setup.caching.cache).toAbsolutePath().toString());
    }

    ClassifierGraph graph(HeadConfig head, long seed, boolean progress, boolean withTrain) {
        if (setup.caching.cache != null) {
            ensureCache(head, seed, progress, withTrain); // refuses a head that cannot read cached features (diffeed)
            return ClassifierGraph.onFeatures(head, evalCache.shapes(), setup.headSeed);
        }
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
