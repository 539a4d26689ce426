package org.diffrep.training.heads;

import org.diffrep.model.features.Pooling;
import org.diffrep.model.runtime.MemoryNeed;
import org.diffrep.model.unet.AdmConfig;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Builds a head's layers onto block features in a SameDiff graph and returns the logits [N, K].
 * Parameter names start with {@value #PREFIX}.
 *
 * <ul>
 *   <li>linear: adaptive pool → flatten (C-major) → Linear (official {@code Head}, docs/method.md §2.1);</li>
 *   <li>mlp: the same features → (Linear → ReLU)* → Linear;</li>
 *   <li>cnn: Conv3×3(C→a) → ReLU → Conv1×1(a→b) → ReLU → global average → Linear(b→K). The paper
 *       never released this head (Table 12 only names "CNN-1k-a-b": 1024 input channels, two convs
 *       with a and b outputs). No choice of kernel sizes and pooling reproduces all eight of its
 *       parameter counts; this one fits them best (e.g. CNN-1k-1k-1k: 11.5M vs 12M,
 *       CNN-1k-256-256: 2.7M vs 2.5M; worst CNN-1k-1k-256: 10.0M vs 6M) and keeps the spatial
 *       reasoning in the first conv;</li>
 *   <li>attention / difformer / diffeed: per-block tokenizer (adaptive pool to min(side, cap),
 *       LayerNorm over [C, s, s], Conv1×1 C→dim), tokens of all blocks concatenated in ascending block
 *       order, CLS prepended, transformer blocks shared across t, CLS outputs of the t's concatenated
 *       → Linear(dim·|T|, K) (official {@code AttentionFusion}, docs/method.md §2.2–2.3).</li>
 * </ul>
 * With several t, the per-sample features of each t are concatenated in t-list order before the
 * classifier (linear, mlp, cnn) just as the attention heads concatenate their CLS outputs.
 */
public final class Heads {
    private Heads() {}

    public static final String PREFIX = "head.";

    public static SDVariable build(HeadConfig cfg, HeadParams p, List<FeatureInput> inputs) {
        List<FeatureInput> sorted = new ArrayList<>(inputs);
        sorted.sort(Comparator.comparingInt(FeatureInput::block));
        int nt = cfg.timesteps().size();
        return switch (cfg.kind()) {
            case LINEAR, MLP -> mlp(cfg, p, sorted, nt);
            case CNN -> cnn(cfg, p, sorted.get(0), nt);
            case ATTENTION, DIFFORMER, DIFFEED -> transformer(cfg, p, sorted, nt);
        };
    }

    private static SDVariable mlp(HeadConfig cfg, HeadParams p, List<FeatureInput> inputs, int nt) {
        SameDiff sd = p.sd();
        Pooling pool = cfg.pool();
        List<SDVariable> flat = new ArrayList<>();
        long width = 0;
        for (FeatureInput in : inputs) {
            int k = cfg.inputSide(in.side());
            long len = (long) in.channels() * k * k;
            flat.add(Layers.adaptivePool(sd, in.value(), pool, in.channels(), in.side()).reshape(-1, len));
            width += len;
        }
        SDVariable x = flat.size() == 1 ? flat.get(0) : sd.concat(1, flat.toArray(new SDVariable[0]));
        x = perSample(x, nt, width);
        long in = width * nt;
        int layer = 0;
        for (int h : cfg.hidden()) {
            x = sd.nn().relu(Layers.linear(p, x, PREFIX + "fc" + layer++, in, h, true), 0);
            in = h;
        }
        return Layers.linear(p, x, PREFIX + "fc" + layer, in, cfg.numClasses(), true);
    }

    private static SDVariable cnn(HeadConfig cfg, HeadParams p, FeatureInput in, int nt) {
        SameDiff sd = p.sd();
        int a = cfg.cnnChannels().get(0);
        int b = cfg.cnnChannels().get(1);
        SDVariable h = sd.nn().relu(Layers.conv(p, in.value(), PREFIX + "conv0", in.channels(), a, 3, true), 0);
        h = sd.nn().relu(Layers.conv(p, h, PREFIX + "conv1", a, b, 1, true), 0);
        SDVariable pooled = perSample(h.mean(false, 2, 3), nt, b);
        return Layers.linear(p, pooled, PREFIX + "classifier", (long) b * nt, cfg.numClasses(), true);
    }

    /**
     * A lower bound of what one training step of an attention head holds in ND4J buffers: every
     * transformer block keeps its attention scores and their softmax ([batch·T·heads, L, L] floats
     * each, L the tokens of all blocks plus CLS) for the backward pass. Known from the sizes alone, it
     * refuses an absurd request before {@link org.diffrep.training.train.StepMemory} runs a step to
     * measure the rest. Empty for the other kinds.
     *
     * @param model the U-Net whose blocks the head reads
     */
    public static Optional<MemoryNeed> attentionScores(HeadConfig cfg, AdmConfig model, int batch) {
        if (!cfg.kind().isAttention()) return Optional.empty();
        long tokens = 1;
        for (int b : cfg.blocks()) {
            long s = cfg.inputSide(model.layout().block(b).side(model.imageSize()));
            tokens += s * s;
        }
        int nt = cfg.timesteps().size();
        long bytes = MemoryNeed.product(2, cfg.depth(), batch, nt, cfg.numHeads(), tokens, tokens, Float.BYTES);
        return Optional.of(new MemoryNeed(String.format(Locale.ROOT, "the %s head's attention scores (batch %d x %d t, %d heads, %,d tokens,"
                + " %d transformer blocks)", cfg.kind().name().toLowerCase(Locale.ROOT), batch, nt, cfg.numHeads(), tokens, cfg.depth()), 0, bytes, 0));
    }

    private static SDVariable transformer(HeadConfig cfg, HeadParams p, List<FeatureInput> inputs, int nt) {
        SameDiff sd = p.sd();
        int dim = cfg.dim();
        List<SDVariable> tokens = new ArrayList<>();
        long count = 0;
        for (FeatureInput in : inputs) {
            int s = cfg.inputSide(in.side());
            tokens.add(tokenize(p, in, s, dim));
            count += (long) s * s;
        }
        SDVariable x = tokens.size() == 1 ? tokens.get(0) : sd.concat(1, tokens.toArray(new SDVariable[0]));
        SDVariable cls = p.filled(PREFIX + "cls_token", 0, 1, 1, dim);
        SDVariable clsPerSample = sd.zerosLike(x.get(SDIndex.all(), SDIndex.interval(0, 1), SDIndex.all())).add(cls);
        x = sd.concat(1, clsPerSample, x);
        long length = count + 1;
        for (int i = 0; i < cfg.depth(); i++) {
            x = Layers.transformerBlock(p, x, PREFIX + "blocks." + i, dim, cfg.numHeads(), cfg.mlpRatio(), length);
        }
        SDVariable out = perSample(x.get(SDIndex.all(), SDIndex.point(0), SDIndex.all()), nt, dim);
        return Layers.linear(p, out, PREFIX + "classifier", (long) dim * nt, cfg.numClasses(), true);
    }

    /** Tokenizer of one block: [T·N, C, side, side] → [T·N, s², dim], token index y·s + x. */
    private static SDVariable tokenize(HeadParams p, FeatureInput in, int s, int dim) {
        SameDiff sd = p.sd();
        String name = PREFIX + "tokenizer.b" + in.block();
        SDVariable x = Layers.adaptivePool(sd, in.value(), Pooling.avg(s), in.channels(), in.side());
        x = Layers.layerNormMap(p, x, name + ".norm", in.channels(), s);
        x = Layers.conv(p, x, name + ".proj", in.channels(), dim, 1, true);
        return x.reshape(-1, dim, (long) s * s).permute(0, 2, 1);
    }

    /** [T·N, F] (t-major) → [N, T·F]: each sample's features of every t side by side, in t-list order. */
    private static SDVariable perSample(SDVariable x, int nt, long width) {
        if (nt == 1) return x;
        return x.reshape(nt, -1, width).permute(1, 0, 2).reshape(-1, nt * width);
    }
}
