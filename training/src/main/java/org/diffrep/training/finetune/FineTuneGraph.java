package org.diffrep.training.finetune;

import org.diffrep.common.UserInputException;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.model.unet.UNetLayout;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.FeatureInput;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.heads.HeadParams;
import org.diffrep.training.heads.Heads;
import org.diffrep.training.train.CheckpointedGraph;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A head on a trainable U-Net in one SameDiff graph, for fine-tuning (docs/method.md §2.5). The U-Net is
 * built only up to the deepest block the head reads, so the decoder after it and the output head
 * are never executed nor trained (the official code leaves them in the model but outside the loss).
 * Blocks 1..k can be frozen: their parameters, and the timestep embedding that every block shares,
 * become constants, so they get no gradient and stay bit-identical.
 *
 * <p>Placeholders as in {@link ClassifierGraph} graph-native mode: {@value AdmUNet#INPUT} (noised
 * images of every t, stacked t-major), {@value AdmUNet#TIMESTEPS}, {@value ClassifierGraph#LABELS}.
 * DifFeed is not supported: its first pass runs without gradient in the official code, which this
 * single graph does not model.
 */
public final class FineTuneGraph implements CheckpointedGraph {

    private final SameDiff sd;
    private final HeadConfig head;
    private final AdmConfig config;
    private final HeadParams params;
    private final List<String> backbone;
    private final List<String> frozen;
    private final int frozenBlocks;

    private FineTuneGraph(SameDiff sd, HeadConfig head, AdmConfig config, HeadParams params, List<String> backbone, List<String> frozen,
                          int frozenBlocks) {
        this.sd = sd;
        this.head = head;
        this.config = config;
        this.params = params;
        this.backbone = List.copyOf(backbone);
        this.frozen = List.copyOf(frozen);
        this.frozenBlocks = frozenBlocks;
    }

    /**
     * @param weights      state_dict key → array (copied into the graph; the source is never modified)
     * @param frozenBlocks k: blocks 1..k (and the timestep embedding, if k &gt; 0) stay fixed
     * @param headSeed     head initialisation seed
     */
    public static FineTuneGraph build(HeadConfig head, AdmConfig config, Function<String, INDArray> weights, int frozenBlocks, long headSeed) {
        if (head.kind() == HeadKind.DIFFEED) throw new UserInputException("fine-tuning supports every head but diffeed");
        if (head.standardize()) throw new UserInputException("--standardize needs cached features; fine-tuning runs the U-Net in its graph");
        UNetLayout layout = config.layout();
        int deepest = head.blocks().get(head.blocks().size() - 1);
        if (frozenBlocks < 0 || frozenBlocks >= deepest) {
            throw new UserInputException("--freeze-blocks must be in 0.." + (deepest - 1) + " (the head reads block " + deepest + ")");
        }
        SameDiff sd = SameDiff.create();
        // the default thread-safe holders keep a second copy of every array (2x RSS for the 553M backbone)
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        // dup: trainable variables are updated in place and must not write through to a shared state dict
        AdmUNet net = AdmUNet.builder(config).setWeights(k -> {
                    INDArray w = weights.apply(k);
                    return w == null ? null : w.dup();
                })
                .optTrainable(true).optUpToBlock(deepest).optSameDiff(sd).build();
        Set<String> frozenKeys = frozenKeys(layout, frozenBlocks);
        List<SDVariable> toFreeze = new ArrayList<>();
        List<String> trainable = new ArrayList<>();
        List<String> frozen = new ArrayList<>();
        for (String key : net.parameterNames()) {
            if (frozenKeys.contains(key)) {
                toFreeze.add(sd.getVariable(key));
                frozen.add(key);
            } else {
                trainable.add(key);
            }
        }
        if (!toFreeze.isEmpty()) sd.convertToConstants(toFreeze);
        HeadParams p = HeadParams.initialised(sd, headSeed);
        int size = config.imageSize();
        List<FeatureInput> inputs = new ArrayList<>();
        for (int b : head.blocks()) inputs.add(new FeatureInput(b, layout.block(b).outChannels(), layout.block(b).side(size), net.block(b)));
        SDVariable logits = sd.identity(ClassifierGraph.LOGITS, Heads.build(head, p, inputs));
        SDVariable labels = sd.placeHolder(ClassifierGraph.LABELS, DataType.FLOAT, -1, head.numClasses());
        sd.loss().softmaxCrossEntropy(ClassifierGraph.LOSS, labels, logits, null, LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);
        return new FineTuneGraph(sd, head, config, p, trainable, frozen, frozenBlocks);
    }

    /** State-dict keys of the timestep embedding and blocks 1..k; empty for k = 0. */
    static Set<String> frozenKeys(UNetLayout layout, int k) {
        Set<String> keys = new LinkedHashSet<>();
        if (k == 0) return keys;
        Map<String, long[]> m = new LinkedHashMap<>();
        layout.timeEmbedding().addParameters(m);
        for (UNetLayout.Block b : layout.blocks().subList(0, k)) b.layers().forEach(l -> l.addParameters(m));
        keys.addAll(m.keySet());
        return keys;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    /** The inputs of a training step on {@code batch} images, all zero ({@link ClassifierGraph#zeroInputs}). */
    public Map<String, INDArray> zeroBatch(int batch) {
        return ClassifierGraph.zeroInputs(sd, head, batch);
    }

    public HeadConfig head() {
        return head;
    }

    public AdmConfig config() {
        return config;
    }

    public int frozenBlocks() {
        return frozenBlocks;
    }

    public List<String> headNames() {
        return params.trainableNames();
    }

    public List<String> bufferNames() {
        return params.bufferNames();
    }

    /** U-Net parameters that train. */
    public List<String> backboneNames() {
        return backbone;
    }

    /** U-Net parameters held fixed (constants in the graph). */
    public List<String> frozenNames() {
        return frozen;
    }

    public List<String> trainableNames() {
        List<String> all = new ArrayList<>(headNames());
        all.addAll(backbone);
        return all;
    }

    public long count(List<String> names) {
        long n = 0;
        for (String name : names) n += sd.getVariable(name).getArr().length();
        return n;
    }
}
