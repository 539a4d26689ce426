package org.diffrep.training.cache;

import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.features.FeatureTaps;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.model.unet.AdmUNet;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The frozen U-Net as a {@link FeatureExtractor}: one forward per t and batch, stopping at the deepest
 * block (stacking every t into one forward is slower on CPU: batch 500 runs at ~3/4 of batch 100's
 * images/s for adm-fmnist, `bench forward`).
 */
public final class BackboneExtractor implements FeatureExtractor {

    private final AdmUNet net;
    private final String checkpoint;

    public BackboneExtractor(AdmUNet net, String checkpointHash) {
        this.net = net;
        this.checkpoint = checkpointHash;
    }

    @Override
    public String model() {
        return net.config().toString();
    }

    @Override
    public String checkpoint() {
        return checkpoint;
    }

    @Override
    public int channels(int block) {
        return net.layout().block(block).outChannels();
    }

    @Override
    public int side(int block) {
        return net.layout().block(block).side(net.config().imageSize());
    }

    @Override
    public Map<Tap, INDArray> extract(INDArray x0, long[] ids, Collection<Tap> taps, IntFunction<Pooling> poolingOfBlock, NoiseSource noise) {
        return new FeatureTaps(net, DiffusionSchedule.linear1000()).optNoise(noise).optMaxBatch((int) x0.size(0))
                .extract(x0, ids, taps, poolingOfBlock);
    }
}
