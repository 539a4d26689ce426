package org.diffrep.training.heads;

import java.util.Locale;

/** The head families of the paper (METHOD.md §4). */
public enum HeadKind {
    LINEAR, MLP, CNN, ATTENTION, DIFFORMER, DIFFEED;

    public static HeadKind parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown head '" + s + "': use linear, mlp, cnn, attention, difformer or diffeed");
        }
    }

    /** Tokenizer + transformer + CLS heads. */
    public boolean isAttention() {
        return this == ATTENTION || this == DIFFORMER || this == DIFFEED;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
