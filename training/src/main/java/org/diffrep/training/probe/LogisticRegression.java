package org.diffrep.training.probe;

import org.diffrep.training.train.FeatureStatistics;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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

    /** Gradient max-norm at which a fit stops: the float32 products leave ~1e-7 of rounding in the loss. */
    public static final double TOLERANCE = 1e-5;

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
        return new LogisticRegression(1e-4, 100, TOLERANCE);
    }

    /**
     * @param features [n, d] (any float type; not modified)
     * @param labels   n class indices in [0, numClasses)
     */
    public LogisticRegression fit(INDArray features, int[] labels, int numClasses) {
        int n = checkShape(features, labels);
        INDArray x = features.castTo(DataType.DOUBLE);
        mean = x.mean(true, 0);
        std = Transforms.sqrt(x.var(false, 0).reshape(1, x.columns()), true).addi(FeatureStatistics.EPSILON);
        INDArray design = withBias(x.subRowVector(mean).diviRowVector(std));
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside [0, " + numClasses + ")");
            }
        }
        Objective f = new Objective(design, labels, numClasses, l2);
        weights = minimise(f, (int) design.columns(), numClasses);
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
        return Nd4j.hstack(x, Nd4j.ones(x.dataType(), x.rows(), 1));
    }

    /**
     * L-BFGS (two-loop recursion) with a backtracking Armijo line search; pairs with s·y ≤ 0 are
     * skipped. The parameter vectors are plain arrays (a few thousand values): ND4J's per-op cost
     * would dominate them.
     */
    private INDArray minimise(Objective f, int rows, int cols) {
        int m = rows * cols;
        Deque<double[][]> history = new ArrayDeque<>();   // {s, y, {1/(y·s)}}, newest first
        double[] w = new double[m];
        double[] grad = new double[m];
        double loss = f.evaluate(w, grad);
        iterations = 0;
        while (iterations < maxIterations && maxAbs(grad) > tolerance) {
            double[] direction = twoLoop(grad, history);
            for (int i = 0; i < m; i++) direction[i] = -direction[i];
            double slope = dot(direction, grad);
            if (slope >= 0) {          // not a descent direction: restart from steepest descent
                history.clear();
                for (int i = 0; i < m; i++) direction[i] = -grad[i];
                slope = -dot(grad, grad);
            }
            double step = history.isEmpty() ? Math.min(1.0, 1.0 / Math.sqrt(dot(grad, grad))) : 1.0;
            double[] next = new double[m];
            double[] nextGrad = new double[m];
            double nextLoss;
            while (true) {
                for (int i = 0; i < m; i++) next[i] = w[i] + step * direction[i];
                nextLoss = f.evaluate(next, nextGrad);
                if (nextLoss <= loss + 1e-4 * step * slope) break;
                step *= 0.5;
                if (step < 1e-12) break;
            }
            if (step < 1e-12) {
                if (history.isEmpty()) break;   // not even steepest descent decreases the loss: converged
                history.clear();                // a stale curvature model: retry from steepest descent
                continue;
            }
            double[] sv = new double[m];
            double[] yv = new double[m];
            for (int i = 0; i < m; i++) {
                sv[i] = next[i] - w[i];
                yv[i] = nextGrad[i] - grad[i];
            }
            double ys = dot(yv, sv);
            if (ys > 1e-12) {
                history.addFirst(new double[][] {sv, yv, {1.0 / ys}});
                if (history.size() > 10) history.removeLast();
            }
            w = next;
            grad = nextGrad;
            loss = nextLoss;
            iterations++;
        }
        finalLoss = loss;
        return Nd4j.createFromArray(w).reshape(rows, cols);
    }

    private static double[] twoLoop(double[] grad, Deque<double[][]> history) {
        double[] q = grad.clone();
        double[] alpha = new double[history.size()];
        int i = 0;
        for (double[][] h : history) {
            alpha[i] = h[2][0] * dot(h[0], q);
            axpy(-alpha[i], h[1], q);
            i++;
        }
        if (!history.isEmpty()) {
            double[][] newest = history.peekFirst();
            double gamma = 1.0 / (newest[2][0] * dot(newest[1], newest[1]));
            for (int j = 0; j < q.length; j++) q[j] *= gamma;
        }
        Iterator<double[][]> oldestFirst = history.descendingIterator();
        i = history.size() - 1;
        while (oldestFirst.hasNext()) {
            double[][] h = oldestFirst.next();
            double beta = h[2][0] * dot(h[1], q);
            axpy(alpha[i] - beta, h[0], q);
            i--;
        }
        return q;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) y[i] += a * x[i];
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    /**
     * Mean cross-entropy of softmax(X·W) against the labels, plus l2·‖W without its bias row‖², for
     * W as a row-major [d+1, k] array. The two products with X run in ND4J float32 (its float64
     * matmul takes a slow generic path); the rest is plain float64 Java.
     */
    static final class Objective {
        private final INDArray design;
        private final INDArray designT;
        private final int[] labels;
        private final int classes;
        private final double l2;

        /** @param design [n, d+1] standardised features with a trailing column of ones */
        Objective(INDArray design, int[] labels, int classes, double l2) {
            this.design = design.castTo(DataType.FLOAT).dup('c');
            this.designT = this.design.transpose().dup('c');
            this.labels = labels;
            this.classes = classes;
            this.l2 = l2;
        }

        /** Returns the loss at {@code w} and writes its gradient into {@code gradOut}. */
        double evaluate(double[] w, double[] gradOut) {
            int n = labels.length;
            int rows = design.columns();
            INDArray wf = Nd4j.createFromArray(w).reshape(rows, classes).castTo(DataType.FLOAT);
            float[] logits = design.mmul(wf).data().asFloat();
            float[] residual = new float[n * classes];
            double crossEntropy = 0;
            double[] p = new double[classes];
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) max = Math.max(max, logits[i * classes + c]);
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    p[c] = Math.exp(logits[i * classes + c] - max);
                    sum += p[c];
                }
                crossEntropy += Math.log(sum) + max - logits[i * classes + labels[i]];
                for (int c = 0; c < classes; c++) residual[i * classes + c] = (float) ((p[c] / sum - (c == labels[i] ? 1 : 0)) / n);
            }
            float[] g = designT.mmul(Nd4j.createFromArray(residual).reshape(n, classes)).data().asFloat();
            double penalty = 0;
            int weightsOnly = (rows - 1) * classes;   // the last row is the bias
            for (int i = 0; i < g.length; i++) {
                gradOut[i] = g[i];
                if (i < weightsOnly) {
                    penalty += w[i] * w[i];
                    gradOut[i] += 2 * l2 * w[i];
                }
            }
            return crossEntropy / n + l2 * penalty;
        }
    }
}
