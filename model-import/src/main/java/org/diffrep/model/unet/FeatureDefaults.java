package org.diffrep.model.unet;

import java.util.List;

/**
 * The (t, b) a command reads from a model when the user names none, kept with the model's config
 * as timm keeps a pretrained_cfg: what is best depends on the model (its depth, its noise
 * schedule's useful range), not on the command.
 *
 * @param head       one-tap heads (linear, MLP, CNN, Attention head, DifFeed) and the linear probe
 * @param multiScale heads fusing several taps (DifFormer)
 * @param analysis   kNN and CKA, which compare frozen representations without training
 */
public record FeatureDefaults(Taps head, Taps multiScale, Taps analysis) {

    /** Noise steps and blocks. */
    public record Taps(List<Integer> timesteps, List<Integer> blocks) {
        public Taps {
            timesteps = List.copyOf(timesteps);
            blocks = List.copyOf(blocks);
        }

        public static Taps of(List<Integer> timesteps, List<Integer> blocks) {
            return new Taps(timesteps, blocks);
        }
    }

    /**
     * The paper's settings for guided-diffusion's 256x256 unconditional model: t=150, b=24 (its
     * best linear-probe cell), DifFormer on t=90,150,300 x b=19,24,30, and kNN at its best cell
     * t=90, b=19 (the middle block).
     */
    public static final FeatureDefaults ADM_256 = new FeatureDefaults(Taps.of(List.of(150), List.of(24)),
            Taps.of(List.of(90, 150, 300), List.of(19, 24, 30)), Taps.of(List.of(90), List.of(19)));

    /**
     * For a model without its own measurements: the paper's noise steps at the same relative
     * depth as in its 37-block model (the middle block, and 5/18 and 11/18 of the way through the
     * decoder).
     */
    public static FeatureDefaults forLayout(UNetLayout layout) {
        int n = layout.numBlocks();
        if (n == 37) return ADM_256;
        int middle = layout.middleBlock();
        int decoder = n - middle;
        int early = Math.min(n, middle + Math.max(1, Math.round(decoder * 5 / 18f)));
        int late = Math.min(n, middle + Math.max(2, Math.round(decoder * 11 / 18f)));
        return new FeatureDefaults(Taps.of(List.of(150), List.of(early)),
                Taps.of(List.of(90, 150, 300), List.of(middle, early, late).stream().distinct().toList()),
                Taps.of(List.of(90), List.of(middle)));
    }

    /** This, after checking every block exists in a model of {@code numBlocks} blocks. */
    FeatureDefaults checked(int numBlocks, String model) {
        for (Taps taps : List.of(head, multiScale, analysis)) {
            for (int b : taps.blocks()) {
                if (b < 1 || b > numBlocks) {
                    throw new IllegalArgumentException("invalid ADM config: default block " + b + " of " + model + " is outside 1.." + numBlocks);
                }
            }
        }
        return this;
    }
}
