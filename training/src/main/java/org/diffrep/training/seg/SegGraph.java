package org.diffrep.training.seg;

import org.diffrep.model.runtime.TrainingStep;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.model.unet.UNetLayout;
import org.diffrep.training.heads.Feedback;
import org.diffrep.training.heads.HeadParams;
import org.diffrep.training.heads.Layers;
import org.diffrep.training.heads.ParameterCount;
import org.diffrep.training.train.CheckpointedGraph;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A segmentation head and its per-pixel cross-entropy in one SameDiff graph. The head reads taps
 * (t, b) either from the frozen U-Net built into the same graph (placeholders {@value AdmUNet#INPUT}:
 * the noised images of every t stacked t-major, {@value AdmUNet#TIMESTEPS}), from block features
 * ({@code features_b<b>} [T·N, C, s, s], e.g. extracted once for a grid search), or from the input
 * pixels themselves (the raw-pixel baseline). Its output {@value #LOGITS} is [N, K, S, S] at the
 * input side S; the loss compares it with {@value #LABELS} [N·S·S, K] one-hot rows (pixel order n, y, x),
 * where an ignored pixel is a row of zeros, averaged over the labelled pixels only. With
 * {@link SegHeadConfig#feedback()} the taps come from DifFeed's second pass ({@link Feedback#secondPass}),
 * whose feedback networks train with the head.
 *
 * <ul>
 *   <li>seg-linear: every tap bilinearly resized to the largest tap side, concatenated, 1×1 conv to K,
 *       resized to S. The conv commutes with the resize (bilinear weights sum to 1), so this equals a
 *       per-pixel linear classifier on the taps upsampled to the image, ddpm-segmentation's setting
 *       with a linear instead of an MLP classifier.</li>
 *   <li>upernet (mmseg's UPerHead as the paper's appendix uses it): each tap goes through its own 1×1
 *       conv to {@code adapterWidth} channels and is bilinearly resized to the four UperNet input sides
 *       S/4, S/8, S/16, S/32; with several taps the level's input is the sum of their resized adapters.
 *       PPM (pool scales 1, 2, 3, 6) on the S/32 input, laterals, top-down FPN fusion, 3×3 FPN convs,
 *       concatenation at S/4, 3×3 bottleneck, 1×1 classifier; conv + BatchNorm + ReLU everywhere as
 *       mmseg's ConvModule. mmseg's 0.1 dropout before the classifier is left out.</li>
 * </ul>
 */
public final class SegGraph implements CheckpointedGraph {

    public static final String LOGITS = "seg_logits";
    public static final String LOSS = "seg_loss";
    public static final String LABELS = "seg_labels";
    /** BatchNorm mode for upernet and DifFeed's feedback: [1] holding 1 (batch statistics) or 0 (running statistics). */
    public static final String BN_TRAIN = "seg_bn_train";
    public static final String PREFIX = "seg.";
    static final int[] PPM_SCALES = {1, 2, 3, 6};

    public enum Input { IMAGES, FEATURES, PIXELS }

    /** One tap as the head sees it: [N, C, s, s]. */
    private record Tap(String name, long channels, int side, SDVariable value) {}

    private final SameDiff sd;
    private final SegHeadConfig head;
    private final Input input;
    private final HeadParams params;
    private final List<Layers.BatchNorm> batchNorms;
    private final List<Layers.BatchNorm> feedbackNorms;
    private final int imageSize;

    private SegGraph(SameDiff sd, SegHeadConfig head, Input input, HeadParams params, List<Layers.BatchNorm> feedbackNorms,
                     List<Layers.BatchNorm> headNorms, int imageSize) {
        this.sd = sd;
        this.head = head;
        this.input = input;
        this.params = params;
        List<Layers.BatchNorm> all = new ArrayList<>(feedbackNorms);
        all.addAll(headNorms);
        this.batchNorms = List.copyOf(all);
        this.feedbackNorms = List.copyOf(feedbackNorms);
        this.imageSize = imageSize;
    }

    public static String featureName(int block) {
        return "features_b" + block;
    }

    /**
     * Checks a head against a U-Net config (its blocks, and where its feedback enters), before any
     * data or weights are read.
     */
    public static void check(SegHeadConfig head, AdmConfig config) {
        UNetLayout layout = config.layout();
        head.blocks().forEach(layout::block);
        if (head.hasFeedback()) Feedback.decoderBlocks(head.feedback(), layout, head.deepestBlock());
    }

    /** The head on the frozen U-Net built into the same graph from the given weights (run twice with feedback). */
    public static SegGraph onBackbone(SegHeadConfig head, AdmConfig config, Function<String, INDArray> weights, long seed) {
        check(head, config);
        SameDiff sd = newGraph();
        HeadParams p = HeadParams.initialised(sd, seed);
        SDVariable flag = batchNormFlag(sd, head);
        List<Layers.BatchNorm> feedbackNorms = new ArrayList<>();
        AdmUNet net;
        if (head.hasFeedback()) {
            Feedback.SecondPass second = Feedback.secondPass(p, config, weights, head.feedback(), head.deepestBlock(), flag);
            feedbackNorms.addAll(second.batchNorms());
            net = second.net();
        } else {
            net = AdmUNet.builder(config).setWeights(weights).optSameDiff(sd).optUpToBlock(head.deepestBlock()).build();
        }
        Map<Integer, SDVariable> blocks = new LinkedHashMap<>();
        for (int b : head.blocks()) blocks.put(b, net.block(b));
        List<Tap> taps = taps(head, config.layout(), config.imageSize(), blocks);
        return finish(sd, head, Input.IMAGES, p, taps, config.imageSize(), flag, feedbackNorms);
    }

    /** The head on block features at their native sides (placeholders {@link #featureName}). */
    public static SegGraph onFeatures(SegHeadConfig head, AdmConfig config, long seed) {
        requireSinglePass(head);
        SameDiff sd = newGraph();
        HeadParams p = HeadParams.initialised(sd, seed);
        List<Tap> taps = taps(head, config.layout(), config.imageSize(), featurePlaceholders(sd, head, config));
        return finish(sd, head, Input.FEATURES, p, taps, config.imageSize(), batchNormFlag(sd, head), List.of());
    }

    /**
     * The head on the input pixels alone ({@value AdmUNet#INPUT} [N, C, S, S], clean images): with
     * seg-linear, a classifier of each pixel from its own value, the receptive field of a 1×1 conv on
     * the input.
     */
    public static SegGraph onPixels(SegHeadConfig head, int channels, int imageSize, long seed) {
        requireSinglePass(head);
        SameDiff sd = newGraph();
        HeadParams p = HeadParams.initialised(sd, seed);
        SDVariable x = sd.placeHolder(AdmUNet.INPUT, DataType.FLOAT, -1, channels, imageSize, imageSize);
        return finish(sd, head, Input.PIXELS, p, List.of(new Tap("pixels", channels, imageSize, x)), imageSize,
                batchNormFlag(sd, head), List.of());
    }

    /** Trainable parameters of a head (and its feedback networks) on a U-Net config, without allocating anything. */
    public static ParameterCount countParameters(SegHeadConfig head, AdmConfig config) {
        check(head, config);
        SameDiff sd = SameDiff.create();
        HeadParams p = HeadParams.counting(sd);
        SDVariable flag = sd.placeHolder(BN_TRAIN, DataType.FLOAT, 1);
        if (head.hasFeedback()) Feedback.buildForCounting(p, config, head.feedback(), head.deepestBlock(), flag);
        List<Tap> taps = taps(head, config.layout(), config.imageSize(), featurePlaceholders(sd, head, config));
        build(head, p, taps, config.imageSize(), flag, new ArrayList<>());
        return ParameterCount.of(p);
    }

    private static void requireSinglePass(SegHeadConfig head) {
        if (head.hasFeedback()) throw new IllegalArgumentException("DifFeed's second pass needs the U-Net in the graph: build it with onBackbone");
    }

    /** The BatchNorm mode placeholder when the graph has BatchNorms (upernet, DifFeed's feedback), else null. */
    private static SDVariable batchNormFlag(SameDiff sd, SegHeadConfig head) {
        return head.kind() == SegHeadKind.UPERNET || head.hasFeedback() ? sd.placeHolder(BN_TRAIN, DataType.FLOAT, 1) : null;
    }

    private static Map<Integer, SDVariable> featurePlaceholders(SameDiff sd, SegHeadConfig head, AdmConfig config) {
        Map<Integer, SDVariable> blocks = new LinkedHashMap<>();
        for (int b : head.blocks()) {
            UNetLayout.Block blk = config.layout().block(b);
            int s = blk.side(config.imageSize());
            blocks.put(b, sd.placeHolder(featureName(b), DataType.FLOAT, -1, blk.outChannels(), s, s));
        }
        return blocks;
    }

    /** Splits each block's [T·N, C, s, s] into its T taps [N, C, s, s], in t-list order. */
    private static List<Tap> taps(SegHeadConfig head, UNetLayout layout, int imageSize, Map<Integer, SDVariable> blocks) {
        int nt = head.timesteps().size();
        List<Tap> taps = new ArrayList<>();
        for (int g = 0; g < nt; g++) {
            for (int b : head.blocks()) {
                UNetLayout.Block blk = layout.block(b);
                int s = blk.side(imageSize);
                SDVariable all = blocks.get(b);
                SDVariable mine = nt == 1 ? all : all.reshape(nt, -1, blk.outChannels(), s, s)
                        .get(SDIndex.point(g), SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.all());
                taps.add(new Tap("t" + head.timesteps().get(g) + "_b" + b, blk.outChannels(), s, mine));
            }
        }
        return taps;
    }

    private static SegGraph finish(SameDiff sd, SegHeadConfig head, Input input, HeadParams p, List<Tap> taps, int imageSize,
                                   SDVariable flag, List<Layers.BatchNorm> feedbackNorms) {
        List<Layers.BatchNorm> norms = new ArrayList<>();
        SDVariable logits = sd.identity(LOGITS, build(head, p, taps, imageSize, flag, norms));
        int k = head.numClasses();
        SDVariable labels = sd.placeHolder(LABELS, DataType.FLOAT, -1, k);
        // summed over pixels (an all-zero row adds 0), divided by the labelled pixels; M2.1's logSoftmax cannot be differentiated
        SDVariable total = sd.loss().softmaxCrossEntropy(labels, logits.permute(0, 2, 3, 1).reshape(-1, k), null, LossReduce.SUM, 0.0);
        SDVariable labelled = sd.math().max(labels.sum(), sd.constant(1f));
        total.div(LOSS, labelled);
        return new SegGraph(sd, head, input, p, feedbackNorms, norms, imageSize);
    }

    private static SDVariable build(SegHeadConfig head, HeadParams p, List<Tap> taps, int imageSize, SDVariable flag,
                                    List<Layers.BatchNorm> norms) {
        return switch (head.kind()) {
            case SEG_LINEAR -> linear(head, p, taps, imageSize);
            case UPERNET -> upernet(head, p, taps, imageSize, flag, norms);
        };
    }

    private static SDVariable linear(SegHeadConfig head, HeadParams p, List<Tap> taps, int imageSize) {
        SameDiff sd = p.sd();
        int side = taps.stream().mapToInt(Tap::side).max().orElseThrow();
        List<SDVariable> maps = new ArrayList<>();
        long channels = 0;
        for (Tap t : taps) {
            maps.add(Resample.bilinear(sd, t.value(), t.channels(), t.side(), side));
            channels += t.channels();
        }
        SDVariable x = maps.size() == 1 ? maps.get(0) : sd.concat(1, maps.toArray(new SDVariable[0]));
        SDVariable logits = Layers.conv(p, x, PREFIX + "classifier", channels, head.numClasses(), 1, true);
        return Resample.bilinear(sd, logits, head.numClasses(), side, imageSize);
    }

    private static SDVariable upernet(SegHeadConfig head, HeadParams p, List<Tap> taps, int imageSize, SDVariable flag,
                                      List<Layers.BatchNorm> norms) {
        if (imageSize % 32 != 0) throw new IllegalArgumentException("upernet needs an input side divisible by 32, got " + imageSize);
        SameDiff sd = p.sd();
        int w = head.adapterWidth();
        int d = head.decoderChannels();
        int[] sides = {imageSize / 4, imageSize / 8, imageSize / 16, imageSize / 32};
        List<SDVariable> adapted = new ArrayList<>();
        for (Tap t : taps) adapted.add(Layers.conv(p, t.value(), PREFIX + "adapter." + t.name(), t.channels(), w, 1, true));
        SDVariable[] inputs = new SDVariable[4];
        for (int level = 0; level < 4; level++) {
            SDVariable sum = null;
            for (int i = 0; i < taps.size(); i++) {
                SDVariable r = Resample.bilinear(sd, adapted.get(i), w, taps.get(i).side(), sides[level]);
                sum = sum == null ? r : sum.add(r);
            }
            inputs[level] = sum;
        }
        ConvBnRelu block = new ConvBnRelu(p, flag, norms);
        // PPM on the coarsest input
        int coarse = sides[3];
        List<SDVariable> ppm = new ArrayList<>(List.of(inputs[3]));
        for (int scale : PPM_SCALES) {
            SDVariable pooled = Resample.adaptiveAverage(sd, inputs[3], w, coarse, scale);
            SDVariable y = block.apply(pooled, PREFIX + "psp.scale" + scale, w, d, 1, scale);
            ppm.add(Resample.bilinear(sd, y, d, scale, coarse));
        }
        SDVariable[] laterals = new SDVariable[4];
        laterals[3] = block.apply(sd.concat(1, ppm.toArray(new SDVariable[0])), PREFIX + "psp.bottleneck",
                w + (long) PPM_SCALES.length * d, d, 3, coarse);
        for (int level = 0; level < 3; level++) {
            laterals[level] = block.apply(inputs[level], PREFIX + "lateral" + level, w, d, 1, sides[level]);
        }
        for (int level = 3; level > 0; level--) {
            laterals[level - 1] = laterals[level - 1].add(Resample.bilinear(sd, laterals[level], d, sides[level], sides[level - 1]));
        }
        List<SDVariable> outs = new ArrayList<>();
        for (int level = 0; level < 3; level++) {
            SDVariable y = block.apply(laterals[level], PREFIX + "fpn" + level, d, d, 3, sides[level]);
            outs.add(Resample.bilinear(sd, y, d, sides[level], sides[0]));
        }
        outs.add(Resample.bilinear(sd, laterals[3], d, sides[3], sides[0]));
        SDVariable fused = block.apply(sd.concat(1, outs.toArray(new SDVariable[0])), PREFIX + "fpn_bottleneck", 4L * d, d, 3, sides[0]);
        SDVariable logits = Layers.conv(p, fused, PREFIX + "classifier", d, head.numClasses(), 1, true);
        return Resample.bilinear(sd, logits, head.numClasses(), sides[0], imageSize);
    }

    /** mmseg's ConvModule: conv without bias, BatchNorm, ReLU. */
    private record ConvBnRelu(HeadParams p, SDVariable flag, List<Layers.BatchNorm> norms) {
        SDVariable apply(SDVariable x, String name, long in, long out, int kernel, int side) {
            SDVariable y = Layers.conv(p, x, name + ".conv", in, out, kernel, false);
            Layers.BatchNorm bn = Layers.batchNorm(p, y, name + ".bn", out, (long) side * side, flag);
            norms.add(bn);
            return p.sd().nn().relu(bn.output(), 0);
        }
    }

    private static SameDiff newGraph() {
        SameDiff sd = SameDiff.create();
        // the default thread-safe holders keep a second copy of every array (2x RSS for the 553M backbone)
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        return sd;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public SegHeadConfig head() {
        return head;
    }

    /**
     * The inputs of a training step on {@code batch} images, all zero: images or features (T·batch
     * rows, batch for pixels), and label rows of no class (ignored pixels). What a step holds in
     * memory depends on their shapes only.
     */
    public Map<String, INDArray> zeroBatch(int batch) {
        long rows = input == Input.PIXELS ? batch : (long) batch * head.timesteps().size();
        INDArray unlabelled = Nd4j.zeros(DataType.FLOAT, (long) batch * imageSize * imageSize, head.numClasses());
        return TrainingStep.zeroInputs(sd, rows, Map.of(LABELS, unlabelled, BN_TRAIN, Nd4j.ones(DataType.FLOAT, 1)));
    }

    public Input input() {
        return input;
    }

    public int imageSize() {
        return imageSize;
    }

    public List<String> trainableNames() {
        return params.trainableNames();
    }

    public List<String> bufferNames() {
        return params.bufferNames();
    }

    /** Every BatchNorm: DifFeed's feedback networks' first, then the head's. */
    public List<Layers.BatchNorm> batchNorms() {
        return batchNorms;
    }

    /**
     * Rows a BatchNorm's input has per image: DifFeed's feedback runs on the U-Net's batch (every t
     * stacked), the head on one map per image (its taps split by t).
     */
    public int rowsPerImage(Layers.BatchNorm bn) {
        return feedbackNorms.contains(bn) ? head.timesteps().size() : 1;
    }

    public ParameterCount parameterCount() {
        return ParameterCount.of(params);
    }
}
