package org.diffrep.training.heads;

import org.diffrep.common.UserInputException;
import org.diffrep.model.features.Pooling;

import java.util.Locale;

/** The head families of the paper (docs/method.md §2). */
public enum HeadKind {
    LINEAR, MLP, CNN, ATTENTION, DIFFORMER, DIFFEED;

    public static HeadKind parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            if (org.diffrep.training.seg.SegHeadKind.isSegmentation(s)) {
                throw new UserInputException(s.trim() + " is a segmentation head: only train, eval and head-info take it");
            }
            throw new UserInputException("unknown head '" + s + "': use linear, mlp, cnn, attention, difformer or diffeed");
        }
    }

    /** Tokenizer + transformer + CLS heads. */
    public boolean isAttention() {
        return this == ATTENTION || this == DIFFORMER || this == DIFFEED;
    }

    /**
     * The pooling this kind of head applies first to a block map of side {@code blockSide}, i.e. what
     * a feature cache must store for it: the attention tokenizer's avg:min(side, poolCap), none for
     * the CNN (it convolves the full map), the configured pooling for linear and MLP heads.
     */
    public Pooling inputPooling(Pooling configured, int poolCap, int blockSide) {
        if (isAttention()) return Pooling.avg(Math.min(blockSide, poolCap));
        if (this == CNN) return Pooling.NONE;
        return configured;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
