package org.diffrep.training.cache;

import org.diffrep.common.util.FileHashes;
import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.model.runtime.MemoryNeed;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmUNet;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The frozen U-Net, built on the first extraction: cache keys need only the config and the weights'
 * hash, so a rerun whose features are all cached never reads the weights (2.2 GB for ADM-256).
 */
public final class LazyBackbone implements FeatureExtractor {

    private final AdmConfig config;
    private final Path checkpoint;
    private final int deepest;
    private final Supplier<String> hash;
    private String sha;
    private BackboneExtractor real;

    /** @param deepest the deepest block any extraction will ask for (the graph is built only that far) */
    public LazyBackbone(AdmConfig config, Path checkpoint, int deepest) {
        this(config, checkpoint, deepest, () -> FileHashes.sha256(checkpoint));
    }

    /** @param hash the weights' SHA-256, when the caller already has (or caches) it */
    public LazyBackbone(AdmConfig config, Path checkpoint, int deepest, Supplier<String> hash) {
        this.config = config;
        this.checkpoint = checkpoint;
        this.deepest = deepest;
        this.hash = hash;
    }

    /** Whether the weights were read (a feature had to be computed). */
    public boolean loaded() {
        return real != null;
    }

    @Override
    public String model() {
        return config.toString();
    }

    @Override
    public String checkpoint() {
        if (sha == null) sha = hash.get();
        return sha;
    }

    @Override
    public int channels(int block) {
        return config.layout().block(block).outChannels();
    }

    @Override
    public int side(int block) {
        return config.layout().block(block).side(config.imageSize());
    }

    @Override
    public Optional<MemoryNeed> forwardNeed(int images) {
        return Optional.of(config.layout().forwardNeed(images, deepest));
    }

    @Override
    public Map<Tap, INDArray> extract(INDArray x0, long[] ids, Collection<Tap> taps, IntFunction<Pooling> poolingOfBlock, NoiseSource noise) {
        if (real == null) {
            AdmUNet net = AdmUNet.builder(config).setWeights(Checkpoints.read(checkpoint)).optUpToBlock(deepest).build();
            real = new BackboneExtractor(net, checkpoint());
        }
        return real.extract(x0, ids, taps, poolingOfBlock, noise);
    }
}
