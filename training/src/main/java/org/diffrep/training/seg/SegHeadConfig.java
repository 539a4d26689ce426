package org.diffrep.training.seg;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import org.diffrep.common.UserInputException;

import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Everything that fixes a segmentation head's structure; stored in run.json and checkpoints.
 *
 * @param kind            seg-linear or upernet
 * @param timesteps       noise steps; each (t, b) pair is one tap
 * @param blocks          U-Net blocks read (ascending)
 * @param numClasses      classes scored (ADE20K: 150, label 0 ignored)
 * @param adapterWidth    upernet: channels of each tap's 1×1 adapter, the UperNet input width (paper: 1024)
 * @param decoderChannels upernet: channels inside the PPM / FPN decoder (mmseg's UPerHead default 512)
 * @param feedback        DifFeed's feedback blocks (bottleneck, all, windowed or a list of decoder blocks): the
 *                        taps are read from the second U-Net pass, the feedback networks train with the head;
 *                        null for one pass (absent from the JSON, as in runs written before the option)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SegHeadConfig(SegHeadKind kind, List<Integer> timesteps, List<Integer> blocks, int numClasses,
                            int adapterWidth, int decoderChannels, String feedback) {

    @JsonCreator
    public SegHeadConfig {
        if (kind == null) throw new UserInputException("segmentation head kind missing");
        if (timesteps == null || timesteps.isEmpty()) throw new UserInputException("need at least one timestep");
        if (blocks == null || blocks.isEmpty()) throw new UserInputException("need at least one block");
        if (numClasses < 2) throw new UserInputException("need at least 2 classes, got " + numClasses);
        timesteps = List.copyOf(timesteps);
        blocks = List.copyOf(new TreeSet<>(blocks));
        if (kind == SegHeadKind.UPERNET && (adapterWidth < 1 || decoderChannels < 1)) {
            throw new UserInputException("upernet widths must be positive: adapter " + adapterWidth + ", decoder " + decoderChannels);
        }
        // the linear probe has no widths: keep its config free of them
        if (kind == SegHeadKind.SEG_LINEAR) {
            adapterWidth = 0;
            decoderChannels = 0;
        }
        // "none" spells out the default single pass
        feedback = feedback == null || feedback.isBlank() || feedback.trim().equalsIgnoreCase("none") ? null
                : feedback.trim().toLowerCase(Locale.ROOT);
    }

    /** A head on the single (plain) U-Net pass. */
    public SegHeadConfig(SegHeadKind kind, List<Integer> timesteps, List<Integer> blocks, int numClasses, int adapterWidth,
                         int decoderChannels) {
        this(kind, timesteps, blocks, numClasses, adapterWidth, decoderChannels, null);
    }

    /** Whether the taps come from DifFeed's second pass. */
    public boolean hasFeedback() {
        return feedback != null;
    }

    /** The deepest U-Net block the head reads. */
    public int deepestBlock() {
        return blocks.get(blocks.size() - 1);
    }

    /** The (t, b) taps in the order the head reads them: t-list order, blocks ascending. */
    public int taps() {
        return timesteps.size() * blocks.size();
    }
}
