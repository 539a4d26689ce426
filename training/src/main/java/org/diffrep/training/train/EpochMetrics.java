package org.diffrep.training.train;

/**
 * One row of metrics.csv.
 *
 * @param epoch     1-based
 * @param lr        learning rate used in the epoch
 * @param trainLoss mean cross-entropy over the epoch's training batches (computed here: SameDiff's
 *                  History reports 0)
 * @param trainTop1 accuracy on the training batches as they were trained
 * @param evalLoss  mean cross-entropy on the evaluation split
 * @param evalTop1  top-1 accuracy on the evaluation split
 * @param evalTop5  top-5 accuracy on the evaluation split
 * @param seconds   wall time of the epoch including evaluation
 */
public record EpochMetrics(int epoch, double lr, double trainLoss, double trainTop1, double evalLoss, double evalTop1,
                           double evalTop5, double seconds) {

    public static final String CSV_HEADER = "epoch,lr,train_loss,train_top1,eval_loss,eval_top1,eval_top5,seconds";

    public String csv() {
        return epoch + "," + lr + "," + trainLoss + "," + trainTop1 + "," + evalLoss + "," + evalTop1 + "," + evalTop5 + ","
                + String.format(java.util.Locale.ROOT, "%.3f", seconds);
    }
}
