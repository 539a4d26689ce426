package org.diffrep.tuning;

/**
 * A finished candidate: evaluation top-1 and top-5 in percent after the last epoch, the final
 * losses, and the seconds its head took to train (features come from the cache).
 */
public record SweepResult(SweepCandidate candidate, double score, double top5, double evalLoss, double trainLoss, int epochs,
                          double seconds) {}
