package org.diffrep.training.seg;

import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.features.NoiseSource;
import org.diffrep.model.features.NoisedBatch;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.data.Seeds;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link SegData} split into a {@link SegGraph}'s placeholders. For a graph with the U-Net
 * inside, x_t = q_sample(x0, t, ε) for every t of the head, stacked t-major; ε is a function of
 * (seed, iteration, image, t), with one fixed draw for evaluation, so a resumed run repeats it exactly.
 * For the raw-pixel graph, the clean images.
 */
public final class SegFeeder implements SegBatches {

    private static final long EVAL_STREAM = 0x5E6E7A1L;

    private final SegData data;
    private final SegGraph.Input input;
    private final List<Integer> timesteps;
    private final long seed;
    private final DiffusionSchedule schedule = DiffusionSchedule.linear1000();

    public SegFeeder(SegData data, SegGraph.Input input, List<Integer> timesteps, long seed) {
        if (input == SegGraph.Input.FEATURES) throw new IllegalArgumentException("a feature graph is fed from extracted features, not from images");
        this.data = data;
        this.input = input;
        this.timesteps = List.copyOf(timesteps);
        this.seed = seed;
    }

    public SegData data() {
        return data;
    }

    @Override
    public String describe() {
        return data.describe();
    }

    @Override
    public int size() {
        return data.size();
    }

    @Override
    public Train train(int[] indices, long iteration) {
        SegData.Batch b = data.trainBatch(indices, Seeds.mix(seed, iteration));
        return new Train(placeholders(b.images(), indices, iteration), b.labels());
    }

    @Override
    public Eval eval(int[] indices) {
        SegData.EvalBatch b = data.evalBatch(indices);
        return new Eval(placeholders(b.images(), indices, EVAL_STREAM), b.targets());
    }

    private Map<String, INDArray> placeholders(INDArray x0, int[] indices, long stream) {
        Map<String, INDArray> ph = new HashMap<>();
        if (input == SegGraph.Input.PIXELS) {
            ph.put(AdmUNet.INPUT, x0);
            return ph;
        }
        long[] ids = new long[indices.length];
        for (int i = 0; i < ids.length; i++) ids[i] = data.id(indices[i]);
        NoisedBatch xt = NoisedBatch.of(schedule, x0, ids, timesteps, NoiseSource.perImage(Seeds.mix(seed, stream, 1)));
        ph.put(AdmUNet.INPUT, xt.images());
        ph.put(AdmUNet.TIMESTEPS, xt.timesteps());
        return ph;
    }
}
