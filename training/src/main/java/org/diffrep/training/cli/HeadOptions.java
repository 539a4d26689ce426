package org.diffrep.training.cli;

import org.diffrep.common.cli.Checks;
import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.FeatureDefaults;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.seg.SegHeadConfig;
import org.diffrep.training.seg.SegHeadKind;
import org.diffrep.training.seg.SegHeadOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Options that define a head (shared by train, finetune, extract and head-info). */
public final class HeadOptions {

    /** Why a DifFeed second pass (diffeed, or a segmentation head with --feedback) cannot train from a feature cache. */
    public static final String FEEDBACK_NEEDS_THE_UNET =
            "DifFeed's second pass (--feedback) needs the U-Net in the loop: it cannot train from a feature cache; drop --cache";

    /** Options that shape only some heads: the classification kinds that take them (none: the segmentation heads alone). */
    private record Scope(List<String> options, Set<HeadKind> kinds, String appliesTo) {}

    private static final List<Scope> SCOPES = List.of(
            new Scope(List.of("--pool"), EnumSet.of(HeadKind.LINEAR, HeadKind.MLP), "the linear and mlp heads"),
            new Scope(List.of("--hidden"), EnumSet.of(HeadKind.MLP), "the mlp head"),
            new Scope(List.of("--cnn-channels"), EnumSet.of(HeadKind.CNN), "the cnn head"),
            new Scope(List.of("--dim", "--attn-heads", "--mlp-ratio", "--depth", "--pool-cap"),
                    EnumSet.of(HeadKind.ATTENTION, HeadKind.DIFFORMER, HeadKind.DIFFEED), "the attention heads (attention, difformer, diffeed)"),
            new Scope(List.of("--standardize"), EnumSet.allOf(HeadKind.class), "the classification heads"),
            new Scope(List.of("--feedback"), EnumSet.of(HeadKind.DIFFEED), "diffeed and the segmentation heads (seg-linear, upernet)"),
            new Scope(GivenOptions.declaredBy(SegHeadOptions.class), EnumSet.noneOf(HeadKind.class), "upernet"));

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    // a name rather than a HeadKind: train, eval and head-info also take the segmentation heads, which are no classifier kind
    @Option(names = "--head", defaultValue = "linear",
            description = "linear, mlp, cnn, attention, difformer or diffeed; segmentation (ade20k): seg-linear or upernet (default ${DEFAULT-VALUE}).")
    String head;

    @Option(names = "--t", split = ",", description = "Noise steps, comma-separated (default: the model's; adm-256-uncond 150,"
            + " DifFormer 90,150,300; adm-fmnist 10, DifFormer 10,50,100).")
    List<Integer> timesteps;

    @Option(names = "--blocks", split = ",", description = "U-Net blocks 1..B (default: the model's; adm-256-uncond 24, DifFormer 19,24,30;"
            + " adm-fmnist 13, DifFormer 10,13,16; DifFeed: second-pass blocks).")
    List<Integer> blocks;

    @Option(names = "--pool", defaultValue = "avg:2", converter = Converters.PoolingConverter.class,
            description = "Linear/MLP pooling: avg:K, max:K, global or none (default ${DEFAULT-VALUE}).")
    Pooling pool;

    @Option(names = "--hidden", split = ",", defaultValue = "2048", description = "MLP hidden widths (default ${DEFAULT-VALUE}).")
    List<Integer> hidden;

    @Option(names = "--cnn-channels", split = ",", defaultValue = "1024,1024", description = "CNN conv widths a,b (default ${DEFAULT-VALUE}).")
    List<Integer> cnnChannels;

    @Option(names = "--dim", defaultValue = "1024", description = "Attention heads: token width (default ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--attn-heads", defaultValue = "8", description = "Attention heads: heads per transformer block (default ${DEFAULT-VALUE}).")
    int numHeads;

    @Option(names = "--mlp-ratio", defaultValue = "4", description = "Attention heads: MLP ratio (default ${DEFAULT-VALUE}).")
    double mlpRatio;

    @Option(names = "--depth", defaultValue = "2", description = "Attention heads: transformer blocks (default ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--pool-cap", defaultValue = "16", description = "Attention heads: tokenizer pools maps to at most this side (default ${DEFAULT-VALUE}).")
    int poolCap;

    // no picocli default: diffeed's is bottleneck, the segmentation heads' is one pass without feedback
    @Option(names = "--feedback",
            description = "DifFeed feedback blocks: bottleneck, all, windowed or a list of decoder blocks (diffeed: default bottleneck;"
                    + " seg-linear/upernet: read the taps from DifFeed's second pass and train the feedback with the head, default none ="
                    + " one pass; needs the U-Net in the loop, not --cache).")
    String feedback;

    @Option(names = "--standardize", description = "Standardise every input feature with the training split's mean and standard deviation"
            + " (measured at the start of training, saved with the head; needs cached features; not in the paper).")
    boolean standardize;

    /** Checks the taps against the U-Net config and refuses other heads' options, before anything heavy runs. */
    public void check(AdmConfig config) {
        refuseOtherHeadsOptions();
        checkTaps(config, timesteps, blocks);
    }

    /**
     * Refuses an option given for a head that would ignore it (--hidden for a linear head, --feedback
     * for an mlp, --adapter-width for seg-linear, --pool for upernet): one line naming the heads that
     * take it.
     */
    public void refuseOtherHeadsOptions() {
        String name = segmentation() ? segmentationKind().toString() : kind().toString();
        for (Scope scope : SCOPES) {
            boolean applies = segmentation()
                    ? scope.options().contains("--feedback") || segmentationKind() == SegHeadKind.UPERNET && scope.kinds().isEmpty()
                    : scope.kinds().contains(kind());
            if (!applies) GivenOptions.refuse(spec, scope.options(), scope.appliesTo(), name + " does not use it");
        }
    }

    /** Noise steps within the diffusion schedule and blocks within {@code config}'s U-Net; null stands for the default. */
    public static void checkTaps(AdmConfig config, List<Integer> timesteps, List<Integer> blocks) {
        if (timesteps != null) Checks.allInRange("--t", timesteps, 0, DiffusionSchedule.linear1000().steps() - 1);
        if (blocks != null) Checks.allInRange("--blocks", blocks, 1, config.layout().numBlocks());
    }

    public HeadKind kind() {
        return HeadKind.parse(head);
    }

    /** The options that make a training step of a {@code kind} head smaller, besides --batch (for memory errors). */
    public static String sizeOptions(HeadKind kind) {
        List<String> options = new ArrayList<>();
        for (Scope scope : SCOPES) {
            if (scope.kinds().contains(kind) && !scope.options().contains("--standardize") && !scope.options().contains("--feedback")) {
                options.addAll(scope.options());
            }
        }
        options.add("the number of --blocks and --t");
        return String.join(", ", options);
    }

    /** Whether --feedback was given (DifFeed's second pass for the segmentation heads). */
    public boolean feedbackGiven() {
        return feedback != null;
    }

    /** Whether --head names a segmentation head (seg-linear, upernet). */
    public boolean segmentation() {
        return SegHeadKind.isSegmentation(head);
    }

    /** The segmentation head --head names (check {@link #segmentation()} first). */
    public SegHeadKind segmentationKind() {
        return SegHeadKind.parse(head);
    }

    /** The segmentation head on a model: t and blocks not given are the model's single-tap defaults. */
    public SegHeadConfig buildSegmentation(AdmConfig model, SegHeadOptions seg, int numClasses) {
        FeatureDefaults.Taps taps = model.featureDefaults().head();
        return seg.build(head, timesteps != null ? timesteps : taps.timesteps(), blocks != null ? blocks : taps.blocks(), numClasses, feedback);
    }

    /** The head on a model: t and blocks not given are the model's defaults for this kind of head (one tap, or DifFormer's several). */
    public HeadConfig build(AdmConfig model, int numClasses) {
        HeadKind kind = kind();
        FeatureDefaults.Taps taps = kind == HeadKind.DIFFORMER ? model.featureDefaults().multiScale() : model.featureDefaults().head();
        return HeadConfig.builder(kind, timesteps != null ? timesteps : taps.timesteps(), blocks != null ? blocks : taps.blocks(), numClasses)
                .optPooling(pool).optHidden(hidden).optCnnChannels(cnnChannels).optTransformer(dim, numHeads, mlpRatio, depth)
                .optPoolCap(poolCap).optFeedback(feedback).optStandardize(standardize).build();
    }
}
