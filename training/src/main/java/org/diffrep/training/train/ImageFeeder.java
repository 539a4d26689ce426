package org.diffrep.training.train;

import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Seeds;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Feeds a graph-native classifier: loads the images, draws ε and forms x_t = q_sample(x0, t, ε) for
 * every t of the head, stacked t-major into one U-Net batch.
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
        this.source = source;
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
        NoiseSource noise = NoiseSource.perImage(Seeds.mix(seed, stream, 1));
        long[] sample = {x0.size(1), x0.size(2), x0.size(3)};
        List<INDArray> xs = new ArrayList<>();
        float[] t = new float[indices.length * timesteps.size()];
        for (int g = 0; g < timesteps.size(); g++) {
            int step = timesteps.get(g);
            xs.add(schedule.qSample(x0, step, noise.noise(sample, ids, step)));
            java.util.Arrays.fill(t, g * indices.length, (g + 1) * indices.length, step);
        }
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(AdmUNet.INPUT, xs.size() == 1 ? xs.get(0) : Nd4j.concat(0, xs.toArray(new INDArray[0])));
        ph.put(AdmUNet.TIMESTEPS, Nd4j.createFromArray(t));
        return ph;
    }
}
