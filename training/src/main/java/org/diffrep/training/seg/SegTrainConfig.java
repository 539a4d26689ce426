package org.diffrep.training.seg;

import org.diffrep.common.UserInputException;
/**
 * Iteration-based optimisation of a segmentation head, mmseg style: AdamW (β = 0.9, 0.999, ε = 1e-8,
 * decoupled weight decay on conv weights only) with an optional linear warm-up followed by the poly
 * schedule lr · (1 − i / iterations)^power.
 *
 * @param iterations      optimiser steps
 * @param batchSize       images per step (paper: 2)
 * @param lr              peak learning rate (paper: 2e-5 for upernet)
 * @param weightDecay     AdamW's decoupled decay
 * @param warmup          iterations of linear warm-up from lr · 1e-6 (mmseg's MAE config: 1500)
 * @param polyPower       exponent of the poly decay (mmseg: 1.0)
 * @param seed            seeds sample order, noise and transform draws
 * @param evalBatch       evaluation batch
 * @param checkpointEvery iterations between checkpoints (the last iteration always writes one)
 */
public record SegTrainConfig(int iterations, int batchSize, double lr, double weightDecay, int warmup, double polyPower,
                             long seed, int evalBatch, int checkpointEvery) {

    static final double WARMUP_RATIO = 1e-6;

    public SegTrainConfig {
        if (iterations < 1 || batchSize < 1 || evalBatch < 1 || checkpointEvery < 1) {
            throw new UserInputException("iterations, batch sizes and checkpoint interval must be >= 1");
        }
        if (!(lr > 0)) throw new UserInputException("lr must be positive: " + lr);
        if (weightDecay < 0 || warmup < 0 || polyPower < 0) throw new UserInputException("weight decay, warm-up and poly power must be >= 0");
    }

    /** Learning rate of the 0-based iteration i: mmseg's poly schedule, scaled during the linear warm-up. */
    public double lrAt(int i) {
        double poly = lr * Math.pow(1 - (double) i / iterations, polyPower);
        if (i >= warmup) return poly;
        double k = (1 - (double) i / warmup) * (1 - WARMUP_RATIO);
        return poly * (1 - k);
    }
}
