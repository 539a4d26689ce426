package org.diffrep.training.train;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Arrays;
import java.util.List;

/**
 * Optimisation settings, built with {@link #builder(double, int)}. The defaults are the official
 * recipe: plain SGD without momentum or weight decay, StepLR ×0.1 every 7 epochs, 28 epochs,
 * seed 0, evaluation in batches of the training batch.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class TrainConfig {

    private final int epochs;
    private final int batchSize;
    private final double lr;
    private final OptimizerKind optimizer;
    private final double momentum;
    private final double weightDecay;
    private final int lrStep;
    private final double lrGamma;
    private final long seed;
    private final int evalBatch;

    /** The field names are the JSON names of run.json and checkpoints. */
    @JsonCreator
    private TrainConfig(@JsonProperty("epochs") int epochs, @JsonProperty("batchSize") int batchSize, @JsonProperty("lr") double lr,
                        @JsonProperty("optimizer") OptimizerKind optimizer, @JsonProperty("momentum") double momentum,
                        @JsonProperty("weightDecay") double weightDecay, @JsonProperty("lrStep") int lrStep,
                        @JsonProperty("lrGamma") double lrGamma, @JsonProperty("seed") long seed, @JsonProperty("evalBatch") int evalBatch) {
        if (optimizer == null) throw new IllegalArgumentException("optimizer missing");
        if (epochs < 1 || batchSize < 1 || evalBatch < 1 || lrStep < 1) throw new IllegalArgumentException("epochs, batch sizes and lr step must be >= 1");
        if (!(lr > 0)) throw new IllegalArgumentException("lr must be positive");
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.lr = lr;
        this.optimizer = optimizer;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.lrStep = lrStep;
        this.lrGamma = lrGamma;
        this.seed = seed;
        this.evalBatch = evalBatch;
    }

    /** The official recipe at this learning rate and training batch, unless changed. */
    public static Builder builder(double lr, int batchSize) {
        return new Builder(lr, batchSize);
    }

    /** A builder holding every setting of this config, to change some of them. */
    public Builder toBuilder() {
        return new Builder(lr, batchSize).optEpochs(epochs).optOptimizer(optimizer).optMomentum(momentum).optWeightDecay(weightDecay)
                .optLrSchedule(lrStep, lrGamma).optSeed(seed).optEvalBatch(evalBatch);
    }

    /** Builds a {@link TrainConfig}. */
    public static final class Builder {
        private double lr;
        private int batchSize;
        private int epochs = 28;
        private OptimizerKind optimizer = OptimizerKind.SGD;
        private double momentum;
        private double weightDecay;
        private int lrStep = 7;
        private double lrGamma = 0.1;
        private long seed;
        private Integer evalBatch;

        private Builder(double lr, int batchSize) {
            this.lr = lr;
            this.batchSize = batchSize;
        }

        public Builder setLr(double v) { lr = v; return this; }
        public Builder setBatchSize(int v) { batchSize = v; return this; }
        /** Epochs to train (default 28). */
        public Builder optEpochs(int v) { epochs = v; return this; }
        /** Update rule (default SGD, the official code's). */
        public Builder optOptimizer(OptimizerKind v) { optimizer = v; return this; }
        /** SGD momentum, PyTorch semantics (default 0). */
        public Builder optMomentum(double v) { momentum = v; return this; }
        /** L2 penalty added to the gradient, PyTorch style (default 0). */
        public Builder optWeightDecay(double v) { weightDecay = v; return this; }
        /** StepLR: the learning rate times {@code gamma} every {@code step} epochs (default 7, 0.1). */
        public Builder optLrSchedule(int step, double gamma) { lrStep = step; lrGamma = gamma; return this; }
        /** Seeds shuffling, noise and transform draws; the head's initialisation has its own (default 0). */
        public Builder optSeed(long v) { seed = v; return this; }
        /** Evaluation batch (default: the training batch). */
        public Builder optEvalBatch(int v) { evalBatch = v; return this; }

        public TrainConfig build() {
            return new TrainConfig(epochs, batchSize, lr, optimizer, momentum, weightDecay, lrStep, lrGamma, seed,
                    evalBatch != null ? evalBatch : batchSize);
        }
    }

    public int epochs() { return epochs; }
    /** Training batch (the official effective batch is 128, 16 for DifFeed). */
    public int batchSize() { return batchSize; }
    /** Initial learning rate. */
    public double lr() { return lr; }
    public OptimizerKind optimizer() { return optimizer; }
    public double momentum() { return momentum; }
    public double weightDecay() { return weightDecay; }
    public int lrStep() { return lrStep; }
    public double lrGamma() { return lrGamma; }
    public long seed() { return seed; }
    public int evalBatch() { return evalBatch; }

    /** StepLR: lr · γ^⌊epoch / step⌋ for the 0-based epoch. */
    public double lrAt(int epoch) {
        return lr * Math.pow(lrGamma, Math.floorDiv(epoch, lrStep));
    }

    public TrainConfig withEpochs(int e) {
        return toBuilder().optEpochs(e).build();
    }

    private List<Object> values() {
        return Arrays.asList(epochs, batchSize, lr, optimizer, momentum, weightDecay, lrStep, lrGamma, seed, evalBatch);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainConfig t && values().equals(t.values());
    }

    @Override
    public int hashCode() {
        return values().hashCode();
    }

    @Override
    public String toString() {
        return "TrainConfig[epochs=" + epochs + ", batchSize=" + batchSize + ", lr=" + lr + ", optimizer=" + optimizer + ", momentum="
                + momentum + ", weightDecay=" + weightDecay + ", lrStep=" + lrStep + ", lrGamma=" + lrGamma + ", seed=" + seed
                + ", evalBatch=" + evalBatch + "]";
    }
}
