package org.diffrep.training.heads;

import org.diffrep.common.UserInputException;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.model.unet.UNetLayout;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * DifFeed's feedback networks (docs/method.md §2.4): for each decoder block d of the strategy, Conv1×1
 * (C_d → C_e, no bias) → BatchNorm → ReLU applied to the first pass's block d, added to the output of
 * its mirror encoder block e = N+1−d in the second pass (N = 37 blocks for ADM-256). Parameter names
 * start with {@value #PREFIX}. {@link #secondPass} builds the whole two-pass U-Net for any head that
 * reads DifFeed's second pass (the classifier, the segmentation heads).
 */
public final class Feedback {
    private Feedback() {}

    public static final String PREFIX = "feedback.";
    /** Name prefix of the second pass's blocks ({@code pass2_block_b}); the first pass keeps the plain names. */
    public static final String SECOND_PASS_PREFIX = "pass2_";

    /**
     * The decoder blocks of a strategy: "bottleneck" = the second ResBlock of every decoder level
     * ({21, 24, 27, 30, 33, 36} for ADM-256), "all" = every decoder block, "windowed" = the first
     * five decoder blocks, or an explicit comma list.
     */
    public static List<Integer> decoderBlocks(String strategy, UNetLayout layout) {
        int mid = layout.middleBlock();
        int n = layout.numBlocks();
        int perLevel = layout.config().numResBlocks() + 1;
        List<Integer> d = new ArrayList<>();
        switch (strategy) {
            case "bottleneck" -> {
                for (int b = mid + 2; b <= n; b += perLevel) d.add(b);
            }
            case "all" -> {
                for (int b = mid + 1; b <= n; b++) d.add(b);
            }
            case "windowed" -> {
                for (int b = mid + 1; b <= Math.min(n, mid + 5); b++) d.add(b);
            }
            default -> {
                try {
                    Arrays.stream(strategy.split(",")).map(String::trim).map(Integer::parseInt).forEach(d::add);
                } catch (NumberFormatException e) {
                    throw new UserInputException("feedback '" + strategy + "': use bottleneck, all, windowed or a list of decoder blocks");
                }
            }
        }
        for (int b : d) {
            if (b <= mid || b > n) throw new UserInputException("feedback block " + b + " is not a decoder block (" + (mid + 1) + ".." + n + ")");
        }
        return List.copyOf(new TreeSet<>(d));
    }

    /**
     * The decoder blocks of a strategy for a head whose deepest second-pass block is {@code deepestRead}:
     * a feedback added after that block would never reach the head (and its network would get no gradient).
     */
    public static List<Integer> decoderBlocks(String strategy, UNetLayout layout, int deepestRead) {
        List<Integer> d = decoderBlocks(strategy, layout);
        for (int b : d) {
            if (mirror(b, layout) > deepestRead) {
                throw new UserInputException("feedback from decoder block " + b + " enters encoder block " + mirror(b, layout)
                        + ", after the deepest block the head reads (" + deepestRead + "): it would never reach the head");
            }
        }
        return d;
    }

    /** The encoder block a decoder block feeds back into. */
    public static int mirror(int decoderBlock, UNetLayout layout) {
        return layout.numBlocks() + 1 - decoderBlock;
    }

    /**
     * Builds every feedback network on the first-pass decoder features.
     *
     * @param decoderFeatures first-pass outputs of the strategy's decoder blocks
     * @param trainFlag       BatchNorm mode input ([1]: 1 batch statistics, 0 running statistics)
     * @return per target encoder block, the tensor to add to it (at that block's side), and the BatchNorms created
     */
    public static Built build(HeadParams p, UNetLayout layout, int imageSize, Map<Integer, SDVariable> decoderFeatures,
                              SDVariable trainFlag) {
        Map<Integer, SDVariable> additions = new LinkedHashMap<>();
        List<Layers.BatchNorm> norms = new ArrayList<>();
        SameDiff sd = p.sd();
        for (Map.Entry<Integer, SDVariable> e : decoderFeatures.entrySet()) {
            int d = e.getKey();
            int target = mirror(d, layout);
            long in = layout.block(d).outChannels();
            long out = layout.block(target).outChannels();
            String name = PREFIX + "d" + d;
            SDVariable h = Layers.conv(p, e.getValue(), name + ".conv", in, out, 1, false);
            int side = layout.block(d).side(imageSize);
            Layers.BatchNorm bn = Layers.batchNorm(p, h, name + ".bn", out, (long) side * side, trainFlag);
            norms.add(bn);
            additions.put(target, resizeTo(sd, sd.nn().relu(bn.output(), 0), side, layout.block(target).side(imageSize)));
        }
        return new Built(additions, norms);
    }

    /**
     * The frozen U-Net twice in {@code p}'s graph on the same x_t: the first pass up to the strategy's
     * deepest decoder block, its feedback networks, and the second pass (blocks named with
     * {@value #SECOND_PASS_PREFIX}) up to {@code upToBlock} with each feedback added after its encoder
     * block. Placeholders {@value AdmUNet#INPUT} and {@value AdmUNet#TIMESTEPS} as a single pass.
     *
     * @param trainFlag the feedback BatchNorms' mode input ([1]: 1 batch statistics, 0 running statistics)
     */
    public static SecondPass secondPass(HeadParams p, AdmConfig config, Function<String, INDArray> weights, String strategy,
                                        int upToBlock, SDVariable trainFlag) {
        UNetLayout layout = config.layout();
        List<Integer> decoder = decoderBlocks(strategy, layout, upToBlock);
        SameDiff sd = p.sd();
        // the loss reaches the feedback networks through pass 2's frozen convs; pass 1 is differentiable too so
        // that no conv in this graph relies on SameDiff leaving pass 1 out of backprop
        AdmUNet first = AdmUNet.builder(config).setWeights(weights).optSameDiff(sd).optGradientsThroughBackbone(true)
                .optUpToBlock(decoder.get(decoder.size() - 1)).build();
        Map<Integer, SDVariable> dec = new LinkedHashMap<>();
        decoder.forEach(d -> dec.put(d, first.block(d)));
        Built fb = build(p, layout, config.imageSize(), dec, trainFlag);
        Map<Integer, SDVariable> additions = fb.additions();
        AdmUNet second = AdmUNet.builder(config).setWeights(weights).optSameDiff(sd).optGradientsThroughBackbone(true)
                .optInputs(first.input(), first.timesteps()).optBlockNamePrefix(SECOND_PASS_PREFIX)
                .optBlockHook((b, h) -> additions.containsKey(b) ? h.add(additions.get(b)) : h)
                .optUpToBlock(upToBlock).build();
        return new SecondPass(second, fb.batchNorms());
    }

    /** The second U-Net pass (read its blocks) and the feedback networks' BatchNorms (their running statistics to update). */
    public record SecondPass(AdmUNet net, List<Layers.BatchNorm> batchNorms) {}

    /**
     * The feedback networks on placeholders for the first pass's decoder blocks, for counting their
     * parameters ({@link HeadParams#counting}) without building the U-Net.
     */
    public static void buildForCounting(HeadParams p, AdmConfig config, String strategy, int deepestRead, SDVariable trainFlag) {
        UNetLayout layout = config.layout();
        Map<Integer, SDVariable> dec = new LinkedHashMap<>();
        for (int d : decoderBlocks(strategy, layout, deepestRead)) {
            UNetLayout.Block blk = layout.block(d);
            int side = blk.side(config.imageSize());
            dec.put(d, p.sd().placeHolder("decoder_b" + d, DataType.FLOAT, -1, blk.outChannels(), side, side));
        }
        build(p, layout, config.imageSize(), dec, trainFlag);
    }

    /**
     * Bilinear resize with align_corners=False, as the official code does. The only mismatches in
     * the ADM tree are halvings (a decoder level's last block is already up-sampled, its mirror is the
     * encoder's down-sampling block), where that interpolation samples the centre of each 2×2 cell:
     * exactly 2×2 average pooling.
     */
    private static SDVariable resizeTo(SameDiff sd, SDVariable x, int from, int to) {
        if (from == to) return x;
        if (from != 2 * to) throw new IllegalArgumentException("feedback resize " + from + " -> " + to + " is not a halving");
        return sd.cnn().avgPooling2d(x, Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2)
                .type(Pooling2D.Pooling2DType.AVG).isNHWC(false).build());
    }

    public record Built(Map<Integer, SDVariable> additions, List<Layers.BatchNorm> batchNorms) {}
}
