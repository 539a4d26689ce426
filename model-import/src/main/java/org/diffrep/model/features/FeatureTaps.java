package org.diffrep.model.features;

import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.unet.AdmUNet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * The feature API of the frozen U-Net, in the spirit of timm's {@code forward_intermediates} +
 * {@code feature_info}: given clean images, their stable ids and a set of {@link Tap}s, it noises the
 * images once per t ({@link NoisedBatch}), runs forwards that stop at the deepest requested block and
 * returns every tap's map, pooled as asked per block. {@link #shape} says what each tap returns
 * without running anything. Several t share one forward while their stacked batch fits in
 * {@link #optMaxBatch}; the returned maps do not depend on how t were grouped.
 */
public final class FeatureTaps {

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

    /** Channels and side of what {@link #extract} returns for a block under a pooling. */
    public TapShape shape(int block, Pooling pooling) {
        return TapShape.of(net.layout(), net.config().imageSize(), block, pooling);
    }

    /** Every combination of the given steps and blocks, t-major, blocks ascending. */
    public static List<Tap> grid(List<Integer> timesteps, Collection<Integer> blocks) {
        List<Tap> taps = new ArrayList<>();
        for (int t : new LinkedHashSet<>(timesteps)) {
            for (int b : new TreeSet<>(blocks)) taps.add(new Tap(t, b));
        }
        return taps;
    }

    /**
     * @param x0            [N, C, S, S] clean images in [-1, 1]
     * @param imageIds      stable ids (for per-image noise)
     * @param taps          what to return
     * @param poolingOfBlock the pooling of each tapped block's map ({@link Pooling#poolMaps})
     * @return per tap, in the order of {@code taps}: [N, C_b, s, s] with the shape {@link #shape} gives
     */
    public Map<Tap, INDArray> extract(INDArray x0, long[] imageIds, Collection<Tap> taps, IntFunction<Pooling> poolingOfBlock) {
        if (imageIds.length != x0.size(0)) {
            throw new IllegalArgumentException(x0.size(0) + " images but " + imageIds.length + " ids");
        }
        if (taps.isEmpty()) throw new IllegalArgumentException("need at least one tap");
        List<Integer> timesteps = new ArrayList<>(new LinkedHashSet<>(taps.stream().map(Tap::t).toList()));
        int n = (int) x0.size(0);
        int tPerForward = Math.max(1, Math.min(timesteps.size(), maxBatch / Math.max(1, n)));

        Map<Tap, INDArray> byTap = new LinkedHashMap<>();
        for (int start = 0; start < timesteps.size(); start += tPerForward) {
            List<Integer> group = timesteps.subList(start, Math.min(timesteps.size(), start + tPerForward));
            int[] blocks = taps.stream().filter(tap -> group.contains(tap.t())).mapToInt(Tap::block).distinct().sorted().toArray();
            NoisedBatch xt = NoisedBatch.of(schedule, x0, imageIds, group, noise);
            Map<Integer, INDArray> out = net.blocks(xt.images(), xt.timesteps(), blocks);
            for (int g = 0; g < group.size(); g++) {
                for (int b : blocks) {
                    Tap tap = new Tap(group.get(g), b);
                    if (!taps.contains(tap)) continue;
                    INDArray all = out.get(b);
                    INDArray mine = group.size() == 1 ? all : all.get(NDArrayIndex.interval((long) g * n, (long) (g + 1) * n)).dup();
                    byTap.put(tap, poolingOfBlock.apply(b).poolMaps(mine));
                }
            }
        }
        Map<Tap, INDArray> result = new LinkedHashMap<>();
        for (Tap tap : taps) result.put(tap, byTap.get(tap));
        return result;
    }

    /** {@link #extract} of unpooled maps [N, C_b, S_b, S_b]. */
    public Map<Tap, INDArray> extract(INDArray x0, long[] imageIds, Collection<Tap> taps) {
        return extract(x0, imageIds, taps, b -> Pooling.NONE);
    }
}
