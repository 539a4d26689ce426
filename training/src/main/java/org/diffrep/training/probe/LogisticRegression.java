package org.diffrep.training.probe;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The standard linear-probe recipe: multinomial logistic regression on features standardised with
 * the training mean and standard deviation, loss = mean cross-entropy + {@code l2}·‖W‖², minimised
 * full-batch with L-BFGS (history 10, backtracking Armijo line search). The problem is convex, so
 * the result depends on the data and {@code l2} only — not on a learning rate, batch order or epoch
 * count, which is what makes probes of different (t, block) cells and raw pixels comparable.
 */
public final class LogisticRegression {

    private final double l2;
    private final int maxIterations;
    private final double tolerance;

    private INDArray mean;
    private INDArray std;
    private INDArray weights;   // [d+1, k]: the last row is the bias (not regularised)
    private int iterations;
    private double finalLoss;

    /**
     * @param l2            weight of ‖W‖² (the bias is not penalised)
     * @param maxIterations L-BFGS iterations
     * @param tolerance     stop once the gradient's max-norm falls below this
     */
    public LogisticRegression(double l2, int maxIterations, double tolerance) {
        if (l2 < 0 || maxIterations < 1 || tolerance <= 0) {
            throw new IllegalArgumentException("need l2 >= 0, maxIterations >= 1, tolerance > 0");
        }
        this.l2 = l2;
        this.maxIterations = maxIterations;
        this.tolerance = tolerance;
    }

    /** The recipe of the reference probes: l2 1e-4, up to 100 L-BFGS iterations. */
    public static LogisticRegression standard() {
        return new LogisticRegression(1e-4, 100, 1e-5);
    }

    /**
     * @param features [n, d] (any float type; not modified)
     * @param labels   n class indices in [0, numClasses)
     */
    public LogisticRegression fit(INDArray features, int[] labels, int numClasses) {
        int n = checkShape(features, labels);
        INDArray x = features.castTo(DataType.DOUBLE);
        mean = x.mean(true, 0);
        std = Transforms.sqrt(x.var(false, 0).reshape(1, x.columns()), true).addi(1e-6);
        INDArray design = withBias(x.subRowVector(mean).diviRowVector(std));
        INDArray onehot = Nd4j.zeros(DataType.DOUBLE, n, numClasses);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside [0, " + numClasses + ")");
            }
            onehot.putScalar(i, labels[i], 1.0);
        }
        Objective f = new Objective(design, onehot, l2);
        weights = minimise(f, Nd4j.zeros(DataType.DOUBLE, design.columns(), numClasses));
        return this;
    }

    /** Class scores [n, k] of raw (unstandardised) features. */
    public INDArray logits(INDArray features) {
        if (weights == null) throw new IllegalStateException("fit first");
        INDArray x = features.castTo(DataType.DOUBLE).subRowVector(mean).diviRowVector(std);
        return withBias(x).mmul(weights);
    }

    /** Top-1 accuracy in [0, 1]. */
    public double accuracy(INDArray features, int[] labels) {
        checkShape(features, labels);
        INDArray predicted = logits(features).argMax(1);
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted.getInt(i) == labels[i]) correct++;
        }
        return correct / (double) labels.length;
    }

    public int iterations() {
        return iterations;
    }

    /** The objective (mean cross-entropy + l2·‖W‖²) at the solution. */
    public double finalLoss() {
        return finalLoss;
    }

    private static int checkShape(INDArray features, int[] labels) {
        if (features.rank() != 2 || features.rows() != labels.length) {
            throw new IllegalArgumentException("features must be [n, d] with n = " + labels.length + " labels, got "
                    + java.util.Arrays.toString(features.shape()));
        }
        return labels.length;
    }

    private static INDArray withBias(INDArray x) {
        return Nd4j.hstack(x, Nd4j.ones(DataType.DOUBLE, x.rows(), 1));
    }

    /** L-BFGS (two-loop recursion) with a backtracking Armijo line search; pairs with s·y ≤ 0 are skipped. */
    private INDArray minimise(Objective f, INDArray w) {
        Deque<INDArray[]> history = new ArrayDeque<>();   // {s, y, 1/(y·s)}, newest first
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, w.shape());
        double loss = f.evaluate(w, grad);
        iterations = 0;
        while (iterations < maxIterations && grad.amaxNumber().doubleValue() > tolerance) {
            INDArray direction = twoLoop(grad, history).negi();
            double slope = direction.mul(grad).sumNumber().doubleValue();
            if (slope >= 0) {          // not a descent direction: restart from steepest descent
                history.clear();
                direction = grad.neg();
                slope = -grad.mul(grad).sumNumber().doubleValue();
            }
            double step = history.isEmpty() ? Math.min(1.0, 1.0 / grad.norm2Number().doubleValue()) : 1.0;
            INDArray nextGrad = Nd4j.zeros(DataType.DOUBLE, w.shape());
            INDArray next;
            double nextLoss;
            while (true) {
                next = w.add(direction.mul(step));
                nextLoss = f.evaluate(next, nextGrad);
                if (nextLoss <= loss + 1e-4 * step * slope) break;
                step *= 0.5;
                if (step < 1e-12) break;
            }
            if (step < 1e-12) {
                if (history.isEmpty()) {   // not even steepest descent decreases the loss: converged
                    finalLoss = loss;
                    return w;
                }
                history.clear();           // a stale curvature model: retry from steepest descent
                continue;
            }
            INDArray s = next.sub(w);
            INDArray y = nextGrad.sub(grad);
            double ys = y.mul(s).sumNumber().doubleValue();
            if (ys > 1e-12) {
                history.addFirst(new INDArray[] {s, y, Nd4j.scalar(1.0 / ys)});
                if (history.size() > 10) history.removeLast();
            }
            w = next;
            grad = nextGrad;
            loss = nextLoss;
            iterations++;
        }
        finalLoss = loss;
        return w;
    }

    private static INDArray twoLoop(INDArray grad, Deque<INDArray[]> history) {
        INDArray q = grad.dup();
        double[] alpha = new double[history.size()];
        int i = 0;
        for (INDArray[] h : history) {
            alpha[i] = h[2].getDouble(0) * h[0].mul(q).sumNumber().doubleValue();
            q.subi(h[1].mul(alpha[i]));
            i++;
        }
        if (!history.isEmpty()) {
            INDArray[] newest = history.peekFirst();
            double gamma = 1.0 / (newest[2].getDouble(0) * newest[1].mul(newest[1]).sumNumber().doubleValue());
            q.muli(gamma);
        }
        Iterator<INDArray[]> oldestFirst = history.descendingIterator();
        i = history.size() - 1;
        while (oldestFirst.hasNext()) {
            INDArray[] h = oldestFirst.next();
            double beta = h[2].getDouble(0) * h[1].mul(q).sumNumber().doubleValue();
            q.addi(h[0].mul(alpha[i] - beta));
            i--;
        }
        return q;
    }

    /**
     * Mean cross-entropy of softmax(X·W) against one-hot Y, plus l2·‖W without its bias row‖². The
     * two products with X run in float32 (ND4J's float64 matmul takes a slow generic path, ~100×);
     * everything else, and the optimiser's state, is float64.
     */
    static final class Objective {
        private final INDArray design;
        private final INDArray designT;
        private final INDArray onehot;
        private final double l2;

        Objective(INDArray design, INDArray onehot, double l2) {
            this.design = design.castTo(DataType.FLOAT).dup('c');
            this.designT = this.design.transpose().dup('c');
            this.onehot = onehot;
            this.l2 = l2;
        }

        /** Returns the loss and writes its gradient with respect to w into {@code gradOut}. */
        double evaluate(INDArray w, INDArray gradOut) {
            int n = design.rows();
            INDArray logits = design.mmul(w.castTo(DataType.FLOAT)).castTo(DataType.DOUBLE);
            INDArray shifted = logits.subColumnVector(logits.max(true, 1));
            INDArray logSumExp = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
            double crossEntropy = -shifted.mul(onehot).sumNumber().doubleValue() / n + logSumExp.sumNumber().doubleValue() / n;
            INDArray probs = Transforms.exp(shifted.subColumnVector(logSumExp), false);
            INDArray weightsOnly = w.get(NDArrayIndex.interval(0, w.rows() - 1), NDArrayIndex.all());
            double penalty = l2 * weightsOnly.mul(weightsOnly).sumNumber().doubleValue();
            gradOut.assign(designT.mmul(probs.subi(onehot).castTo(DataType.FLOAT)).castTo(DataType.DOUBLE).divi(n));
            gradOut.get(NDArrayIndex.interval(0, w.rows() - 1), NDArrayIndex.all()).addi(weightsOnly.mul(2 * l2));
            return crossEntropy + penalty;
        }
    }
}
