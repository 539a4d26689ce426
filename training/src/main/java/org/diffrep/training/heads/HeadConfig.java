package org.diffrep.training.heads;

import org.diffrep.model.features.Pooling;

import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Everything that fixes a head's structure (and so its parameter count). Serialised into run
 * configs and checkpoints, so a saved head can be rebuilt exactly.
 *
 * @param kind        the head family
 * @param timesteps   noise steps, in the order their outputs are concatenated (the paper's t_list)
 * @param blocks      blocks the head reads, kept ascending as the official code does; for DifFeed
 *                    these come from the second forward pass
 * @param pooling     linear / MLP / CNN: adaptive pooling of each block before the layers
 * @param hidden      MLP hidden widths (ReLU between layers)
 * @param cnnChannels CNN: output channels of its two convolutions
 * @param dim         attention heads: token width (the tokenizer's 1×1 conv output)
 * @param numHeads    attention heads: heads of the multi-head attention
 * @param mlpRatio    attention heads: transformer MLP width / dim
 * @param depth       attention heads: transformer blocks
 * @param poolCap     attention heads: tokenizer pools each map to min(side, poolCap)
 * @param feedback    DifFeed: which decoder blocks feed back ("bottleneck", "all", "windowed" or a
 *                    comma list of decoder blocks)
 * @param numClasses  classifier outputs
 * @param standardize inputs standardised per feature with the mean and standard deviation of the
 *                    training split (measured when training starts, kept in the graph as constants
 *                    and saved with the head), as the linear probes' inputs are; the paper's heads
 *                    take raw block features
 */
public record HeadConfig(HeadKind kind, List<Integer> timesteps, List<Integer> blocks, String pooling,
                         List<Integer> hidden, List<Integer> cnnChannels, int dim, int numHeads, double mlpRatio,
                         int depth, int poolCap, String feedback, int numClasses, boolean standardize) {

    public HeadConfig {
        if (kind == null) throw new IllegalArgumentException("head kind missing");
        if (timesteps == null || timesteps.isEmpty()) throw new IllegalArgumentException("need at least one timestep");
        if (blocks == null || blocks.isEmpty()) throw new IllegalArgumentException("need at least one block");
        timesteps = List.copyOf(timesteps);
        blocks = List.copyOf(new TreeSet<>(blocks));
        // options of other head kinds are dropped so configs (and their JSON) say only what shapes this head
        hidden = hidden == null || kind != HeadKind.MLP ? List.of() : List.copyOf(hidden);
        cnnChannels = cnnChannels == null || kind != HeadKind.CNN ? List.of() : List.copyOf(cnnChannels);
        pooling = Pooling.parse(pooling == null ? "avg:2" : pooling).toString();
        feedback = feedback == null ? "bottleneck" : feedback.trim().toLowerCase(Locale.ROOT);
        if (numClasses < 2) throw new IllegalArgumentException("need at least 2 classes, got " + numClasses);
        if (kind.isAttention()) {
            if (dim < 1 || numHeads < 1 || dim % numHeads != 0) {
                throw new IllegalArgumentException("attention dim " + dim + " must split into " + numHeads + " heads");
            }
            if (depth < 1 || mlpRatio <= 0 || poolCap < 1) throw new IllegalArgumentException("bad transformer settings");
        }
        if (kind == HeadKind.CNN) {
            if (cnnChannels.size() != 2) throw new IllegalArgumentException("the CNN head takes two conv widths, got " + cnnChannels);
            if (blocks.size() != 1) throw new IllegalArgumentException("the CNN head reads one block, got " + blocks);
        }
        if (standardize && kind == HeadKind.DIFFEED) {
            throw new IllegalArgumentException(kind + " reads the U-Net's second pass: its inputs cannot be standardised");
        }
        if (kind == HeadKind.MLP && hidden.isEmpty()) throw new IllegalArgumentException("the MLP head needs hidden widths");
    }

    /** The paper's settings for a head kind (METHOD.md §4): pooled linear probe, 1024-d 2-block transformer. */
    public static HeadConfig defaults(HeadKind kind, List<Integer> timesteps, List<Integer> blocks, int numClasses) {
        return new HeadConfig(kind, timesteps, blocks, "avg:2", kind == HeadKind.MLP ? List.of(2048) : List.of(),
                kind == HeadKind.CNN ? List.of(1024, 1024) : List.of(), 1024, 8, 4.0, 2, 16, "bottleneck", numClasses, false);
    }

    public Pooling pool() {
        return Pooling.parse(pooling);
    }

    public HeadConfig withPooling(String p) {
        return new HeadConfig(kind, timesteps, blocks, p, hidden, cnnChannels, dim, numHeads, mlpRatio, depth, poolCap, feedback, numClasses, standardize);
    }

    public HeadConfig withHidden(List<Integer> h) {
        return new HeadConfig(kind, timesteps, blocks, pooling, h, cnnChannels, dim, numHeads, mlpRatio, depth, poolCap, feedback, numClasses, standardize);
    }

    public HeadConfig withCnnChannels(List<Integer> c) {
        return new HeadConfig(kind, timesteps, blocks, pooling, hidden, c, dim, numHeads, mlpRatio, depth, poolCap, feedback, numClasses, standardize);
    }

    public HeadConfig withTransformer(int dim, int numHeads, double mlpRatio, int depth) {
        return new HeadConfig(kind, timesteps, blocks, pooling, hidden, cnnChannels, dim, numHeads, mlpRatio, depth, poolCap, feedback, numClasses, standardize);
    }

    public HeadConfig withPoolCap(int cap) {
        return new HeadConfig(kind, timesteps, blocks, pooling, hidden, cnnChannels, dim, numHeads, mlpRatio, depth, cap, feedback, numClasses, standardize);
    }

    public HeadConfig withStandardize(boolean s) {
        return new HeadConfig(kind, timesteps, blocks, pooling, hidden, cnnChannels, dim, numHeads, mlpRatio, depth, poolCap, feedback, numClasses, s);
    }

    public HeadConfig withFeedback(String f) {
        return new HeadConfig(kind, timesteps, blocks, pooling, hidden, cnnChannels, dim, numHeads, mlpRatio, depth, poolCap, f, numClasses, standardize);
    }

    /** The pooling the head's first layer applies to a block map of the given side ({@link HeadKind#inputPooling}). */
    public Pooling inputPooling(int blockSide) {
        return kind.inputPooling(pool(), poolCap, blockSide);
    }

    /** Side of the map the head's first layer produces from a block of the given side. */
    public int inputSide(int blockSide) {
        Pooling p = inputPooling(blockSide);
        return p.type() == Pooling.Type.NONE ? blockSide : p.size();
    }

    /** Whether the head's input can be pooled once and cached: everything except DifFeed's feedback loop. */
    public boolean cacheable() {
        return kind != HeadKind.DIFFEED;
    }
}
