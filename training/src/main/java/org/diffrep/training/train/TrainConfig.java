package org.diffrep.training.train;

import java.util.Locale;

/**
 * Optimisation settings. The defaults are the official recipe (METHOD.md §5.1): plain SGD without
 * momentum or weight decay, StepLR ×0.1 every 7 epochs, 28 epochs.
 *
 * @param epochs      epochs to train
 * @param batchSize   training batch (the official effective batch is 128, 16 for DifFeed)
 * @param lr          initial learning rate
 * @param optimizer   "sgd" (the official code) or "adam" (the paper's text; PyTorch defaults β=(0.9, 0.999), ε=1e-8)
 * @param momentum    SGD momentum (PyTorch semantics; 0 in the official code)
 * @param weightDecay L2 penalty added to the gradient, PyTorch style
 * @param lrStep      epochs between learning-rate decays
 * @param lrGamma     decay factor
 * @param seed        seeds shuffling, noise and transform draws (the head's init has its own seed)
 * @param evalBatch   evaluation batch
 */
public record TrainConfig(int epochs, int batchSize, double lr, String optimizer, double momentum, double weightDecay,
                          int lrStep, double lrGamma, long seed, int evalBatch) {

    public TrainConfig {
        optimizer = optimizer.toLowerCase(Locale.ROOT);
        if (!optimizer.equals("sgd") && !optimizer.equals("adam")) throw new IllegalArgumentException("optimizer must be sgd or adam: " + optimizer);
        if (epochs < 1 || batchSize < 1 || evalBatch < 1 || lrStep < 1) throw new IllegalArgumentException("epochs, batch sizes and lr step must be >= 1");
        if (!(lr > 0)) throw new IllegalArgumentException("lr must be positive");
    }

    public static TrainConfig official(double lr, int batchSize) {
        return new TrainConfig(28, batchSize, lr, "sgd", 0, 0, 7, 0.1, 0, batchSize);
    }

    /** StepLR: lr · γ^⌊epoch / step⌋ for the 0-based epoch. */
    public double lrAt(int epoch) {
        return lr * Math.pow(lrGamma, Math.floorDiv(epoch, lrStep));
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, batchSize, lr, optimizer, momentum, weightDecay, lrStep, lrGamma, seed, evalBatch);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, batchSize, lr, optimizer, momentum, weightDecay, lrStep, lrGamma, s, evalBatch);
    }

    public TrainConfig withOptimizer(String o, double newLr) {
        return new TrainConfig(epochs, batchSize, newLr, o, momentum, weightDecay, lrStep, lrGamma, seed, evalBatch);
    }
}
