package org.diffrep.training.heads;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.diffrep.common.UserInputException;
import org.diffrep.model.features.Pooling;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Everything that fixes a head's structure (and so its parameter count). Serialised into run
 * configs and checkpoints, so a saved head can be rebuilt exactly.
 *
 * Built with {@link #builder} (the paper's settings unless changed with optX); options of other
 * head kinds are dropped, so a config and its JSON say only what shapes this head. DifFeed's
 * feedback is "bottleneck", "all", "windowed" or a comma list of decoder blocks.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class HeadConfig {

    private final HeadKind kind;
    private final List<Integer> timesteps;
    private final List<Integer> blocks;
    private final String pooling;
    private final List<Integer> hidden;
    private final List<Integer> cnnChannels;
    private final int dim;
    private final int numHeads;
    private final double mlpRatio;
    private final int depth;
    private final int poolCap;
    private final String feedback;
    private final int numClasses;
    private final boolean standardize;

    /** The field names are the JSON names of run.json and checkpoints, as written since the first release. */
    @JsonCreator
    private HeadConfig(@JsonProperty("kind") HeadKind kind, @JsonProperty("timesteps") List<Integer> timesteps,
                       @JsonProperty("blocks") List<Integer> blocks, @JsonProperty("pooling") String pooling,
                       @JsonProperty("hidden") List<Integer> hidden, @JsonProperty("cnnChannels") List<Integer> cnnChannels,
                       @JsonProperty("dim") int dim, @JsonProperty("numHeads") int numHeads, @JsonProperty("mlpRatio") double mlpRatio,
                       @JsonProperty("depth") int depth, @JsonProperty("poolCap") int poolCap, @JsonProperty("feedback") String feedback,
                       @JsonProperty("numClasses") int numClasses, @JsonProperty("standardize") boolean standardize) {
        if (kind == null) throw new UserInputException("head kind missing");
        if (timesteps == null || timesteps.isEmpty()) throw new UserInputException("need at least one timestep");
        if (blocks == null || blocks.isEmpty()) throw new UserInputException("need at least one block");
        this.kind = kind;
        this.timesteps = List.copyOf(timesteps);
        this.blocks = List.copyOf(new TreeSet<>(blocks));
        // options of other head kinds are dropped so configs (and their JSON) say only what shapes this head
        this.hidden = hidden == null || kind != HeadKind.MLP ? List.of() : List.copyOf(hidden);
        this.cnnChannels = cnnChannels == null || kind != HeadKind.CNN ? List.of() : List.copyOf(cnnChannels);
        this.pooling = Pooling.parse(pooling == null ? "avg:2" : pooling).toString();
        this.feedback = feedback == null ? "bottleneck" : feedback.trim().toLowerCase(Locale.ROOT);
        this.dim = dim;
        this.numHeads = numHeads;
        this.mlpRatio = mlpRatio;
        this.depth = depth;
        this.poolCap = poolCap;
        this.numClasses = numClasses;
        this.standardize = standardize;
        if (numClasses < 2) throw new UserInputException("a classifier needs at least 2 classes, the data has " + numClasses);
        if (kind.isAttention()) {
            if (dim < 1 || numHeads < 1 || dim % numHeads != 0) {
                throw new UserInputException("attention dim " + dim + " must split into " + numHeads + " heads");
            }
            if (depth < 1 || mlpRatio <= 0 || poolCap < 1) throw new UserInputException("attention heads need --depth >= 1, --mlp-ratio > 0 and --pool-cap >= 1; got "
                    + depth + ", " + mlpRatio + ", " + poolCap);
        }
        if (kind == HeadKind.CNN) {
            if (this.cnnChannels.size() != 2) throw new UserInputException("the CNN head takes two conv widths, got " + cnnChannels);
            if (this.blocks.size() != 1) throw new UserInputException("the CNN head reads one block, got " + blocks);
        }
        if (standardize && kind == HeadKind.DIFFEED) {
            throw new UserInputException(kind + " reads the U-Net's second pass: its inputs cannot be standardised");
        }
        if (kind == HeadKind.MLP && this.hidden.isEmpty()) throw new UserInputException("the MLP head needs hidden widths");
    }

    /**
     * A head with the paper's settings (pooled linear probe, 2048-wide MLP, 1024-1024 CNN, 1024-d
     * 2-block transformer with 8 heads, tokens pooled to at most 16x16) unless changed.
     */
    public static Builder builder(HeadKind kind, List<Integer> timesteps, List<Integer> blocks, int numClasses) {
        return new Builder(kind, timesteps, blocks, numClasses);
    }

    /** The paper's settings for a head kind: {@code builder(...).build()}. */
    public static HeadConfig defaults(HeadKind kind, List<Integer> timesteps, List<Integer> blocks, int numClasses) {
        return builder(kind, timesteps, blocks, numClasses).build();
    }

    /** A builder holding every setting of this head, to change some of them. */
    public Builder toBuilder() {
        return new Builder(kind, timesteps, blocks, numClasses).optPooling(pool()).optHidden(hidden).optCnnChannels(cnnChannels)
                .optTransformer(dim, numHeads, mlpRatio, depth).optPoolCap(poolCap).optFeedback(feedback).optStandardize(standardize);
    }

    /** Builds a {@link HeadConfig}; what a head kind does not use is dropped. */
    public static final class Builder {
        private HeadKind kind;
        private List<Integer> timesteps;
        private List<Integer> blocks;
        private int numClasses;
        private Pooling pooling = Pooling.avg(2);
        private List<Integer> hidden = List.of(2048);
        private List<Integer> cnnChannels = List.of(1024, 1024);
        private int dim = 1024;
        private int numHeads = 8;
        private double mlpRatio = 4.0;
        private int depth = 2;
        private int poolCap = 16;
        private String feedback = "bottleneck";
        private boolean standardize;

        private Builder(HeadKind kind, List<Integer> timesteps, List<Integer> blocks, int numClasses) {
            this.kind = kind;
            this.timesteps = timesteps;
            this.blocks = blocks;
            this.numClasses = numClasses;
        }

        public Builder setKind(HeadKind v) { kind = v; return this; }
        public Builder setTimesteps(List<Integer> v) { timesteps = v; return this; }
        public Builder setBlocks(List<Integer> v) { blocks = v; return this; }
        public Builder setNumClasses(int v) { numClasses = v; return this; }
        /** Linear / MLP: pooling of each block before the layers (default avg:2). */
        public Builder optPooling(Pooling v) { pooling = v; return this; }
        /** MLP hidden widths (default 2048). */
        public Builder optHidden(List<Integer> v) { hidden = v; return this; }
        /** CNN: widths of its two convolutions (default 1024, 1024). */
        public Builder optCnnChannels(List<Integer> v) { cnnChannels = v; return this; }
        /** Attention heads: token width, heads, MLP ratio, transformer blocks (default 1024, 8, 4, 2). */
        public Builder optTransformer(int dim, int numHeads, double mlpRatio, int depth) {
            this.dim = dim;
            this.numHeads = numHeads;
            this.mlpRatio = mlpRatio;
            this.depth = depth;
            return this;
        }
        /** Attention heads: the tokenizer pools each map to at most this side (default 16). */
        public Builder optPoolCap(int v) { poolCap = v; return this; }
        /** DifFeed: bottleneck, all, windowed or a comma list of decoder blocks (default bottleneck). */
        public Builder optFeedback(String v) { feedback = v; return this; }
        /** Standardise every input feature with the training split's mean and std (default off, as in the paper). */
        public Builder optStandardize(boolean v) { standardize = v; return this; }

        public HeadConfig build() {
            return new HeadConfig(kind, timesteps, blocks, pooling.toString(), hidden, cnnChannels, dim, numHeads, mlpRatio, depth, poolCap,
                    feedback, numClasses, standardize);
        }
    }

    public HeadKind kind() { return kind; }
    /** Noise steps, in the order their outputs are concatenated (the paper's t_list). */
    public List<Integer> timesteps() { return timesteps; }
    /** Blocks the head reads, ascending as in the official code; for DifFeed, from the second forward pass. */
    public List<Integer> blocks() { return blocks; }
    /** Linear / MLP / CNN: adaptive pooling of each block before the layers, as text ("avg:2"). */
    public String pooling() { return pooling; }
    public List<Integer> hidden() { return hidden; }
    public List<Integer> cnnChannels() { return cnnChannels; }
    public int dim() { return dim; }
    public int numHeads() { return numHeads; }
    public double mlpRatio() { return mlpRatio; }
    public int depth() { return depth; }
    public int poolCap() { return poolCap; }
    public String feedback() { return feedback; }
    public int numClasses() { return numClasses; }
    /**
     * Inputs standardised per feature with the mean and standard deviation of the training split
     * (measured when training starts, kept in the graph as constants and saved with the head), as
     * the linear probes' inputs are; the paper's heads take raw block features.
     */
    public boolean standardize() { return standardize; }

    public Pooling pool() {
        return Pooling.parse(pooling);
    }

    public HeadConfig withPooling(String p) {
        return toBuilder().optPooling(Pooling.parse(p)).build();
    }

    public HeadConfig withHidden(List<Integer> h) {
        return toBuilder().optHidden(h).build();
    }

    public HeadConfig withCnnChannels(List<Integer> c) {
        return toBuilder().optCnnChannels(c).build();
    }

    public HeadConfig withTransformer(int dim, int numHeads, double mlpRatio, int depth) {
        return toBuilder().optTransformer(dim, numHeads, mlpRatio, depth).build();
    }

    public HeadConfig withPoolCap(int cap) {
        return toBuilder().optPoolCap(cap).build();
    }

    public HeadConfig withStandardize(boolean s) {
        return toBuilder().optStandardize(s).build();
    }

    public HeadConfig withFeedback(String f) {
        return toBuilder().optFeedback(f).build();
    }

    private List<Object> values() {
        return Arrays.asList(kind, timesteps, blocks, pooling, hidden, cnnChannels, dim, numHeads, mlpRatio, depth, poolCap, feedback,
                numClasses, standardize);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeadConfig h && values().equals(h.values());
    }

    @Override
    public int hashCode() {
        return values().hashCode();
    }

    @Override
    public String toString() {
        return "HeadConfig[kind=" + kind + ", timesteps=" + timesteps + ", blocks=" + blocks + ", pooling=" + pooling + ", hidden=" + hidden
                + ", cnnChannels=" + cnnChannels + ", dim=" + dim + ", numHeads=" + numHeads + ", mlpRatio=" + mlpRatio + ", depth=" + depth
                + ", poolCap=" + poolCap + ", feedback=" + feedback + ", numClasses=" + numClasses + ", standardize=" + standardize + "]";
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
