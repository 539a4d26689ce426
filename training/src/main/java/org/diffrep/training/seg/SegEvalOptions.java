package org.diffrep.training.seg;

import org.diffrep.common.UserInputException;
import picocli.CommandLine.Option;

import java.util.Locale;

/** How segmentation heads are evaluated (train's final evaluation; eval --run, where unset means the run's). */
public final class SegEvalOptions {

    /** Whole images squashed to the U-Net's side, or windows of it over images whose short side is that side. */
    public enum Mode { WHOLE, SLIDE }

    @Option(names = "--eval-mode", paramLabel = "whole|slide",
            description = "Segmentation heads: whole (each evaluation image resized to the U-Net's side S; train's default) or slide"
                    + " (short side resized to S, aspect kept, S x S windows every --eval-stride pixels, logits averaged where they"
                    + " overlap, as mmseg's slide inference). eval --run: default the run's.")
    public String mode;

    @Option(names = "--eval-stride", paramLabel = "PX",
            description = "Segmentation heads, --eval-mode slide: pixels between windows (default 2/3 of S, mmseg's 341 of 512).")
    public Integer stride;

    /** The mode named, or null when none was. */
    public Mode parsedMode() {
        if (mode == null) return null;
        try {
            return Mode.valueOf(mode.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--eval-mode takes whole or slide, got " + mode);
        }
    }

    /** Refuses a stride that cannot apply. */
    public void check(Mode effective) {
        if (stride == null) return;
        if (stride < 1) throw new UserInputException("--eval-stride must be >= 1, got " + stride);
        if (effective != Mode.SLIDE) throw new UserInputException("--eval-stride applies to --eval-mode slide only");
    }
}
