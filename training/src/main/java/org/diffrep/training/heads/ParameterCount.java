package org.diffrep.training.heads;

/**
 * Trainable parameter counts of a head graph: the head proper and DifFeed's feedback networks (0
 * without a second pass).
 */
public record ParameterCount(long head, long feedback) {

    /** Splits a graph's trainable parameters by the feedback networks' name prefix. */
    public static ParameterCount of(HeadParams p) {
        long feedback = p.trainableCount(Feedback.PREFIX);
        return new ParameterCount(p.trainableCount() - feedback, feedback);
    }

    public long total() {
        return head + feedback;
    }
}
