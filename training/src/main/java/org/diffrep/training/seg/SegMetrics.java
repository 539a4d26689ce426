package org.diffrep.training.seg;

import java.util.ArrayList;
import java.util.List;

/**
 * mmseg's semantic-segmentation metrics, accumulated over a whole split: per class the intersection,
 * union, predicted and labelled areas are summed over every image first, then IoU = Σ intersection /
 * Σ union and accuracy = Σ intersection / Σ label area. A class whose union is 0 (never labelled, never
 * predicted) has no IoU and does not enter the mean; a class predicted but never labelled has IoU 0.
 * Pixels labelled {@code ignore} count nowhere, whatever is predicted there.
 */
public final class SegMetrics {

    private final int numClasses;
    private final int ignore;
    private final long[] intersection;
    private final long[] predicted;
    private final long[] labelled;

    public SegMetrics(int numClasses, int ignore) {
        if (numClasses < 1) throw new IllegalArgumentException("need at least one class");
        this.numClasses = numClasses;
        this.ignore = ignore;
        this.intersection = new long[numClasses];
        this.predicted = new long[numClasses];
        this.labelled = new long[numClasses];
    }

    /** Adds one image: predicted and true class per pixel, same length. */
    public void add(int[] prediction, int[] labels) {
        if (prediction.length != labels.length) {
            throw new IllegalArgumentException(prediction.length + " predicted pixels but " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            int l = labels[i];
            if (l == ignore) continue;
            int p = prediction[i];
            if (l < 0 || l >= numClasses) throw new IllegalArgumentException("label " + l + " outside 0.." + (numClasses - 1) + " and not the ignore index " + ignore);
            if (p < 0 || p >= numClasses) throw new IllegalArgumentException("prediction " + p + " outside 0.." + (numClasses - 1));
            labelled[l]++;
            predicted[p]++;
            if (p == l) intersection[l]++;
        }
    }

    /**
     * @param iou             per class IoU, NaN where the union is 0
     * @param accuracy        per class Σ intersection / Σ label area, NaN where the class is never labelled
     * @param miou            mean of the defined IoUs
     * @param meanAccuracy    mean of the defined accuracies
     * @param pixelAccuracy   correctly classified / scored pixels
     * @param scoredPixels    pixels not ignored
     */
    public record Result(double[] iou, double[] accuracy, double miou, double meanAccuracy, double pixelAccuracy, long scoredPixels) {
        /** Classes with a defined IoU. */
        public List<Integer> presentClasses() {
            List<Integer> c = new ArrayList<>();
            for (int k = 0; k < iou.length; k++) if (!Double.isNaN(iou[k])) c.add(k);
            return c;
        }
    }

    public Result result() {
        double[] iou = new double[numClasses];
        double[] acc = new double[numClasses];
        double iouSum = 0;
        int iouCount = 0;
        double accSum = 0;
        int accCount = 0;
        long correct = 0;
        long total = 0;
        for (int k = 0; k < numClasses; k++) {
            long union = predicted[k] + labelled[k] - intersection[k];
            iou[k] = union == 0 ? Double.NaN : (double) intersection[k] / union;
            acc[k] = labelled[k] == 0 ? Double.NaN : (double) intersection[k] / labelled[k];
            if (union > 0) {
                iouSum += iou[k];
                iouCount++;
            }
            if (labelled[k] > 0) {
                accSum += acc[k];
                accCount++;
            }
            correct += intersection[k];
            total += labelled[k];
        }
        return new Result(iou, acc, iouCount == 0 ? Double.NaN : iouSum / iouCount, accCount == 0 ? Double.NaN : accSum / accCount,
                total == 0 ? Double.NaN : (double) correct / total, total);
    }
}
