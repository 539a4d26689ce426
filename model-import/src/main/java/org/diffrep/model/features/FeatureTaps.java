package org.diffrep.model.features;

import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.unet.AdmUNet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Block outputs of the frozen U-Net at chosen noise steps: q_sample(x0, t, ε), then one forward that
 * stops at the deepest requested block and returns every requested block. Several t share one
 * forward by stacking their noised copies in the batch (up to {@link #optMaxBatch}).
 */
public final class FeatureTaps {

    /** A (t, b) pair: block b of the U-Net run at noise step t. */
    public record Tap(int t, int block) {
        @Override
        public String toString() {
            return "t" + t + "_b" + block;
        }
    }

    private final AdmUNet net;
    private final DiffusionSchedule schedule;
    private NoiseSource noise = NoiseSource.perImage(0);
    private int maxBatch = 64;

    public FeatureTaps(AdmUNet net, DiffusionSchedule schedule) {
        this.net = net;
        this.schedule = schedule;
    }

    public FeatureTaps optNoise(NoiseSource noise) {
        this.noise = noise;
        return this;
    }

    /** Largest batch of noised images per forward; several t are stacked only while they fit. */
    public FeatureTaps optMaxBatch(int maxBatch) {
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1");
        this.maxBatch = maxBatch;
        return this;
    }

    public AdmUNet net() {
        return net;
    }

    /**
     * @param x0       [N, C, S, S] clean images in [-1, 1]
     * @param imageIds stable ids (for per-image noise)
     * @return for every (t, b): [N, C_b, S_b, S_b], in the order of {@code timesteps} × ascending blocks
     */
    public Map<Tap, INDArray> extract(INDArray x0, long[] imageIds, List<Integer> timesteps, List<Integer> blocks) {
        if (imageIds.length != x0.size(0)) {
            throw new IllegalArgumentException(x0.size(0) + " images but " + imageIds.length + " ids");
        }
        if (timesteps.isEmpty() || blocks.isEmpty()) throw new IllegalArgumentException("need at least one t and one block");
        int[] sortedBlocks = new TreeSet<>(blocks).stream().mapToInt(Integer::intValue).toArray();
        int n = (int) x0.size(0);
        long[] sampleShape = Arrays.copyOfRange(x0.shape(), 1, 4);
        int tPerForward = Math.max(1, Math.min(timesteps.size(), maxBatch / Math.max(1, n)));

        Map<Tap, INDArray> result = new LinkedHashMap<>();
        for (int start = 0; start < timesteps.size(); start += tPerForward) {
            List<Integer> group = timesteps.subList(start, Math.min(timesteps.size(), start + tPerForward));
            List<INDArray> noised = new ArrayList<>();
            int[] tVector = new int[n * group.size()];
            for (int g = 0; g < group.size(); g++) {
                int t = group.get(g);
                noised.add(schedule.qSample(x0, t, noise.noise(sampleShape, imageIds, t)));
                Arrays.fill(tVector, g * n, (g + 1) * n, t);
            }
            INDArray xt = noised.size() == 1 ? noised.get(0) : Nd4j.concat(0, noised.toArray(new INDArray[0]));
            Map<Integer, INDArray> out = net.blocks(xt, Nd4j.createFromArray(tVector), sortedBlocks);
            for (int g = 0; g < group.size(); g++) {
                for (int b : sortedBlocks) {
                    INDArray all = out.get(b);
                    INDArray mine = group.size() == 1 ? all : all.get(NDArrayIndex.interval(g * n, (g + 1) * n)).dup();
                    result.put(new Tap(group.get(g), b), mine);
                }
            }
        }
        return result;
    }

    /** {@link #extract} followed by pooling and flattening each tap to [N, featureLength]. */
    public Map<Tap, INDArray> extractPooled(INDArray x0, long[] imageIds, List<Integer> timesteps, List<Integer> blocks,
                                            Pooling pooling) {
        Map<Tap, INDArray> maps = extract(x0, imageIds, timesteps, blocks);
        Map<Tap, INDArray> pooled = new LinkedHashMap<>();
        maps.forEach((tap, m) -> pooled.put(tap, pooling.apply(m)));
        return pooled;
    }
}
