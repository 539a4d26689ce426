package org.diffrep.training.train;

import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.NoisedBatch;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Seeds;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Feeds a graph-native classifier: loads the images and noises them for every t of the head,
 * stacked t-major into one U-Net batch ({@link NoisedBatch}, as feature extraction does).
 *
 * <p>The official code draws fresh ε on every forward, in training and evaluation. Here ε is a
 * function of (seed, epoch, image, t): still a new draw every epoch, but a resumed run repeats it
 * exactly, and evaluation uses one fixed draw per image so accuracies are reproducible.
 */
public final class ImageFeeder implements Feeder {

    private static final long EVAL_STREAM = 0x5EEDE7A1L;

    private final ImageSource source;
    private final List<Integer> timesteps;
    private final long seed;
    private final DiffusionSchedule schedule = DiffusionSchedule.linear1000();

    public ImageFeeder(ImageSource source, List<Integer> timesteps, long seed) {
        // random batches must hold every image they name: unreadable ones are screened out once, here
        this.source = source.readable();
        this.timesteps = List.copyOf(timesteps);
        this.seed = seed;
    }

    @Override
    public String describe() {
        return source.describe();
    }

    @Override
    public int size() {
        return source.size();
    }

    @Override
    public int numClasses() {
        return source.numClasses();
    }

    @Override
    public int label(int index) {
        return source.label(index);
    }

    @Override
    public Map<String, INDArray> inputs(int[] indices, int pass) {
        long stream = pass == EVAL ? EVAL_STREAM : pass;
        INDArray x0 = source.images(indices, Seeds.mix(seed, stream));
        long[] ids = new long[indices.length];
        for (int i = 0; i < ids.length; i++) ids[i] = source.id(indices[i]);
        NoisedBatch xt = NoisedBatch.of(schedule, x0, ids, timesteps, NoiseSource.perImage(Seeds.mix(seed, stream, 1)));
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(AdmUNet.INPUT, xt.images());
        ph.put(AdmUNet.TIMESTEPS, xt.timesteps());
        return ph;
    }
}
