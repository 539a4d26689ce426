package org.diffrep.model.features;

import org.diffrep.model.diffusion.DiffusionSchedule;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The U-Net input for several noise steps at once: x_t = q_sample(x0, t, ε) for every t of a list,
 * stacked t-major (all N images at the first t, then the next t), and the matching timestep vector.
 * The one place diffrep noises and stacks images, for feature extraction and graph-native heads alike.
 *
 * @param images    [T·N, C, S, S] noised images
 * @param timesteps [T·N] the t of each row
 */
public record NoisedBatch(INDArray images, INDArray timesteps) {

    /**
     * @param x0       [N, C, S, S] clean images in [-1, 1]
     * @param imageIds a stable id per image (seeds its ε under {@link NoiseSource#perImage})
     * @param steps    the noise steps, in stacking order
     */
    public static NoisedBatch of(DiffusionSchedule schedule, INDArray x0, long[] imageIds, List<Integer> steps, NoiseSource noise) {
        if (imageIds.length != x0.size(0)) {
            throw new IllegalArgumentException(x0.size(0) + " images but " + imageIds.length + " ids");
        }
        if (steps.isEmpty()) throw new IllegalArgumentException("need at least one noise step");
        int n = imageIds.length;
        long[] sampleShape = Arrays.copyOfRange(x0.shape(), 1, x0.rank());
        List<INDArray> noised = new ArrayList<>();
        float[] t = new float[n * steps.size()];
        for (int g = 0; g < steps.size(); g++) {
            int step = steps.get(g);
            noised.add(schedule.qSample(x0, step, noise.noise(sampleShape, imageIds, step)));
            Arrays.fill(t, g * n, (g + 1) * n, step);
        }
        INDArray xt = noised.size() == 1 ? noised.get(0) : Nd4j.concat(0, noised.toArray(new INDArray[0]));
        return new NoisedBatch(xt, Nd4j.createFromArray(t));
    }
}
