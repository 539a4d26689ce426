package org.diffrep.training.seg;

import picocli.CommandLine.Option;

import java.util.List;

/** Options that shape a segmentation head (train and head-info; --head, --t and --blocks are the classification heads'). */
public final class SegHeadOptions {

    @Option(names = "--adapter-width", defaultValue = "1024",
            description = "upernet: channels of each tap's 1x1 adapter, the UperNet input width (default ${DEFAULT-VALUE}, the paper's).")
    public int adapterWidth;

    @Option(names = "--decoder-channels", defaultValue = "512",
            description = "upernet: channels of the PPM / FPN decoder (default ${DEFAULT-VALUE}, mmseg's UPerHead).")
    public int decoderChannels;

    /** The head; {@code feedback} null (or "none") for one U-Net pass, else DifFeed's feedback blocks. */
    public SegHeadConfig build(String head, List<Integer> timesteps, List<Integer> blocks, int numClasses, String feedback) {
        return new SegHeadConfig(SegHeadKind.parse(head), timesteps, blocks, numClasses, adapterWidth, decoderChannels, feedback);
    }
}
