package org.diffrep.training.graph;

import org.diffrep.model.runtime.NativeMemory;
import org.diffrep.model.runtime.TrainingStep;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.model.unet.UNetLayout;
import org.diffrep.training.heads.Feedback;
import org.diffrep.training.heads.FeatureInput;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.heads.HeadParams;
import org.diffrep.training.heads.Heads;
import org.diffrep.training.heads.Layers;
import org.diffrep.training.heads.ParameterCount;
import org.diffrep.training.train.CheckpointedGraph;
import org.nd4j.autodiff.loss.LossReduce;
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
 * A head with a cross-entropy loss in one SameDiff graph, fed either by the frozen U-Net in the same
 * graph (graph-native: placeholders {@value AdmUNet#INPUT} = the noised images of every t stacked
 * t-major, {@value AdmUNet#TIMESTEPS} = their t) or by cached block features (placeholders
 * {@code features_b<b>} [T·N, C, s, s]). Only the head's (and DifFeed's feedback networks') variables
 * are trainable; the U-Net parameters are constants.
 */
public final class ClassifierGraph implements CheckpointedGraph {

    public static final String LOGITS = "logits";
    public static final String LOSS = "loss";
    public static final String LABELS = "labels";
    /** DifFeed's BatchNorm mode: [1] holding 1 (batch statistics, training) or 0 (running statistics). */
    public static final String BN_TRAIN = "bn_train";

    public enum Input { IMAGES, FEATURES }

    /** Channels and side of a block's features as the graph takes them. */
    public record Shape(int channels, int side) {}

    private final SameDiff sd;
    private final HeadConfig head;
    private final Input input;
    private final HeadParams params;
    private final List<Layers.BatchNorm> batchNorms;
    private final Map<Integer, Shape> featureShapes;
    private final int imageSize;

    private ClassifierGraph(SameDiff sd, HeadConfig head, Input input, HeadParams params, List<Layers.BatchNorm> batchNorms,
                            Map<Integer, Shape> featureShapes, int imageSize) {
        this.sd = sd;
        this.head = head;
        this.input = input;
        this.params = params;
        this.batchNorms = List.copyOf(batchNorms);
        this.featureShapes = Map.copyOf(featureShapes);
        this.imageSize = imageSize;
    }

    public static String featureName(int block) {
        return "features_b" + block;
    }

    /**
     * The head on the U-Net built into the same graph from the given weights (graph-native).
     *
     * @param weights state_dict key → array (the U-Net's frozen parameters)
     * @param seed    head initialisation seed
     */
    public static ClassifierGraph onBackbone(HeadConfig head, AdmConfig config, Function<String, INDArray> weights, long seed) {
        if (head.standardize()) throw new IllegalArgumentException("standardised inputs need cached features: the head reads the U-Net in its graph");
        UNetLayout layout = config.layout();
        head.blocks().forEach(layout::block);
        SameDiff sd = newGraph();
        HeadParams p = HeadParams.initialised(sd, seed);
        List<Layers.BatchNorm> norms = new ArrayList<>();
        List<FeatureInput> inputs = new ArrayList<>();
        int size = config.imageSize();
        int lastHeadBlock = head.blocks().get(head.blocks().size() - 1);
        if (head.kind() == HeadKind.DIFFEED) {
            Feedback.SecondPass second = Feedback.secondPass(p, config, weights, head.feedback(), lastHeadBlock,
                    sd.placeHolder(BN_TRAIN, DataType.FLOAT, 1));
            norms.addAll(second.batchNorms());
            for (int b : head.blocks()) inputs.add(new FeatureInput(b, layout.block(b).outChannels(), layout.block(b).side(size), second.net().block(b)));
        } else {
            AdmUNet net = AdmUNet.builder(config).setWeights(weights).optSameDiff(sd).optUpToBlock(lastHeadBlock).build();
            for (int b : head.blocks()) inputs.add(new FeatureInput(b, layout.block(b).outChannels(), layout.block(b).side(size), net.block(b)));
        }
        finish(sd, head, p, inputs);
        return new ClassifierGraph(sd, head, Input.IMAGES, p, norms, shapes(inputs), size);
    }

    /** The head on cached block features of the given shapes (block → channels, side). */
    public static ClassifierGraph onFeatures(HeadConfig head, Map<Integer, Shape> shapes, long seed) {
        if (!head.cacheable()) throw new IllegalArgumentException(head.kind() + " needs the U-Net in its graph: it cannot train from cached features");
        SameDiff sd = newGraph();
        HeadParams p = HeadParams.initialised(sd, seed);
        List<FeatureInput> inputs = placeholders(sd, head, shapes);
        if (head.standardize()) inputs = inputs.stream().map(in -> standardized(p, in)).toList();
        finish(sd, head, p, inputs);
        return new ClassifierGraph(sd, head, Input.FEATURES, p, List.of(), shapes, -1);
    }

    /** Trainable parameters of a head (and DifFeed's feedback networks) for a U-Net layout, without building or allocating anything. */
    public static ParameterCount countParameters(HeadConfig head, AdmConfig config) {
        UNetLayout layout = config.layout();
        SameDiff sd = SameDiff.create();
        HeadParams p = HeadParams.counting(sd);
        Map<Integer, Shape> shapes = new LinkedHashMap<>();
        for (int b : head.blocks()) shapes.put(b, new Shape(layout.block(b).outChannels(), layout.block(b).side(config.imageSize())));
        if (head.kind() == HeadKind.DIFFEED) {
            Feedback.buildForCounting(p, config, head.feedback(), head.blocks().get(head.blocks().size() - 1),
                    sd.placeHolder(BN_TRAIN, DataType.FLOAT, 1));
        }
        Heads.build(head, p, placeholders(sd, head, shapes));
        return ParameterCount.of(p);
    }

    private static List<FeatureInput> placeholders(SameDiff sd, HeadConfig head, Map<Integer, Shape> shapes) {
        List<FeatureInput> inputs = new ArrayList<>();
        for (int b : head.blocks()) {
            Shape s = shapes.get(b);
            if (s == null) throw new IllegalArgumentException("no features for block " + b);
            inputs.add(new FeatureInput(b, s.channels(), s.side(),
                    sd.placeHolder(featureName(b), DataType.FLOAT, -1, s.channels(), s.side(), s.side())));
        }
        return inputs;
    }

    /** (x − mean) / std per feature, with mean and std as saved constants that {@link #standardization} names. */
    private static FeatureInput standardized(HeadParams p, FeatureInput in) {
        Standardization names = standardization(in.block());
        long[] shape = {in.channels(), in.side(), in.side()};
        SDVariable x = in.value().sub(p.buffer(names.mean(), 0, shape)).div(p.buffer(names.std(), 1, shape));
        return new FeatureInput(in.block(), in.channels(), in.side(), x);
    }

    /** Names of the constants that standardise a block's features ([C, s, s] each) in a {@link HeadConfig#standardize()} head. */
    public record Standardization(String mean, String std) {}

    public static Standardization standardization(int block) {
        return new Standardization("input_norm.b" + block + ".mean", "input_norm.b" + block + ".std");
    }

    private static void finish(SameDiff sd, HeadConfig head, HeadParams p, List<FeatureInput> inputs) {
        SDVariable logits = sd.identity(LOGITS, Heads.build(head, p, inputs));
        SDVariable labels = sd.placeHolder(LABELS, DataType.FLOAT, -1, head.numClasses());
        sd.loss().softmaxCrossEntropy(LOSS, labels, logits, null, LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);
    }

    private static SameDiff newGraph() {
        NativeMemory.closeReleasedArrays();
        SameDiff sd = SameDiff.create();
        // the default thread-safe holders keep a second copy of every array (2x RSS for the 553M backbone)
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        return sd;
    }

    private static Map<Integer, Shape> shapes(List<FeatureInput> inputs) {
        Map<Integer, Shape> m = new LinkedHashMap<>();
        inputs.forEach(i -> m.put(i.block(), new Shape(i.channels(), i.side())));
        return m;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public HeadConfig head() {
        return head;
    }

    public Input input() {
        return input;
    }

    /** U-Net input side for {@link Input#IMAGES} graphs. */
    public int imageSize() {
        return imageSize;
    }

    public Map<Integer, Shape> featureShapes() {
        return featureShapes;
    }

    public List<String> trainableNames() {
        return params.trainableNames();
    }

    /** The inputs of a training step on {@code batch} images, all zero ({@link #zeroInputs}). */
    public Map<String, INDArray> zeroBatch(int batch) {
        return zeroInputs(sd, head, batch);
    }

    /**
     * Inputs for every placeholder of a classification graph ({@code sd}, with {@code head}) for a
     * training step on {@code batch} images, all zero (every label class 0): what a step holds in
     * memory depends on their shapes only. Image and feature placeholders take T·batch rows.
     */
    public static Map<String, INDArray> zeroInputs(SameDiff sd, HeadConfig head, int batch) {
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, head.numClasses());
        labels.getColumn(0).assign(1);
        return TrainingStep.zeroInputs(sd, (long) batch * head.timesteps().size(), Map.of(LABELS, labels, BN_TRAIN, Nd4j.ones(DataType.FLOAT, 1)));
    }

    /** Non-trained state saved with the head (BatchNorm running statistics). */
    public List<String> bufferNames() {
        return params.bufferNames();
    }

    public List<Layers.BatchNorm> batchNorms() {
        return batchNorms;
    }

    public ParameterCount parameterCount() {
        return ParameterCount.of(params);
    }
}
