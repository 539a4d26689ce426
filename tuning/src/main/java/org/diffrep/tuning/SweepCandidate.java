package org.diffrep.tuning;

import java.util.Locale;

/**
 * One point of a sweep: a head of kind {@code head} trained at learning rate {@code lr} on block
 * {@code block} of the U-Net run at noise step {@code t}, pooled with {@code pool}. Serializable because
 * Arbiter copies every candidate value through Java serialization.
 *
 * @param pool a {@link org.diffrep.model.features.Pooling} spec, or {@code tokens:K} for the attention
 *             head, whose tokenizer pools each map to min(side, K) whatever the sweep's pooling says
 */
public record SweepCandidate(int t, int block, String pool, double lr, String head) implements java.io.Serializable {

    /**
     * Identity of the candidate in results files. The learning rate enters with 6 significant digits,
     * so a value read back from JSON names the same candidate as the one the generator drew.
     */
    public String id() {
        return String.format(Locale.ROOT, "t%d_b%d_%s_%s_lr%.5e", t, block, pool.replace(':', '-'), head, lr);
    }
}
