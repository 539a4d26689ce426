package org.diffrep.training.cli;

import org.diffrep.common.cli.Cli;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.data.Inputs;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.heads.ParameterCount;
import org.diffrep.training.seg.SegHeadOptions;
import org.diffrep.training.seg.SegmentationRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** Prints a head's trainable parameter count for a U-Net config, without building or loading the U-Net. */
@Command(name = "head-info", mixinStandardHelpOptions = true,
        description = "Trainable parameters of a head (DifFeed, or a segmentation head with --feedback: head + feedback networks) on a U-Net config.")
public final class HeadInfoCommand implements Callable<Integer> {

    @Option(names = "--config", defaultValue = Inputs.SHIPPED_CONFIG, description = "U-Net config name or config.json (default ${DEFAULT-VALUE},"
            + " the shipped model).")
    String config;

    @Option(names = "--image-size", description = "Input side in pixels (default: the config's).")
    Integer imageSize;

    @Option(names = "--num-classes", defaultValue = "10", description = "Classifier outputs (default ${DEFAULT-VALUE}, Fashion-MNIST's).")
    int numClasses;

    @Mixin
    HeadOptions head;

    @Mixin
    SegHeadOptions segHead;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        head.refuseOtherHeadsOptions();
        AdmConfig c = AdmConfigs.resolve(config);
        if (imageSize != null) c = c.withImageSize(imageSize);
        if (head.segmentation()) return SegmentationRun.headInfo(c, head.buildSegmentation(c, segHead, numClasses), spec.commandLine().getOut());
        HeadConfig h = head.build(c, numClasses);
        ParameterCount count = ClassifierGraph.countParameters(h, c);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s head on %s, t=%s, blocks=%s%s, %d classes%n", h.kind(), c.name(), h.timesteps(), h.blocks(),
                describe(h), numClasses);
        if (h.kind() == HeadKind.DIFFEED) {
            out.printf("head:      %,d%nfeedback:  %,d (%s)%n", count.head(), count.feedback(), h.feedback());
        }
        out.printf("trainable parameters: %,d%n", count.total());
        out.flush();
        return 0;
    }

    private static String describe(HeadConfig h) {
        return switch (h.kind()) {
            case LINEAR -> ", pool " + h.pooling();
            case MLP -> ", pool " + h.pooling() + ", hidden " + h.hidden();
            case CNN -> ", convs " + h.cnnChannels();
            default -> ", dim " + h.dim() + ", " + h.numHeads() + " heads, depth " + h.depth() + ", pool cap " + h.poolCap();
        };
    }

    public static void main(String[] args) {
        Cli.main(new HeadInfoCommand(), args);
    }
}
