package org.diffrep.training.seg;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Training options of the segmentation heads (train --head seg-linear|upernet). */
public final class SegTrainOptions {

    @Option(names = "--iterations", defaultValue = "16000",
            description = "Segmentation heads: optimiser steps (default ${DEFAULT-VALUE}, the paper's).")
    public int iterations;

    @Option(names = "--checkpoint-every", defaultValue = "500",
            description = "Segmentation heads: iterations between checkpoints (default ${DEFAULT-VALUE}).")
    public int checkpointEvery;

    @Option(names = "--stop-after", description = "Segmentation heads: stop after this many iterations in this invocation"
            + " (a checkpoint is written there; --resume continues exactly), e.g. to fit a time slot.")
    public Integer stopAfter;

    @Option(names = "--warmup", defaultValue = "0",
            description = "Segmentation heads: iterations of linear lr warm-up before the poly decay (default ${DEFAULT-VALUE}).")
    public int warmup;

    @Option(names = "--poly-power", defaultValue = "1.0",
            description = "Segmentation heads: exponent of the poly lr decay (default ${DEFAULT-VALUE}).")
    public double polyPower;

    @Option(names = "--scale-range", split = ",", defaultValue = "0.5,2.0",
            description = "Segmentation heads: training short side drawn from S times this range before the S x S crop (default ${DEFAULT-VALUE}, mmseg's ADE20K).")
    public double[] scaleRange;

    @Option(names = "--photometric",
            description = "Segmentation heads: mmseg's photometric distortion of each training image (never its labels): brightness"
                    + " +-32, contrast and saturation x0.5-1.5, hue +-18, each with probability 0.5, drawn per (iteration, image).")
    public boolean photometric;

    @Mixin
    public SegEvalOptions evaluation = new SegEvalOptions();
}
