package org.diffrep.training.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** The update rules {@link Optimizer} implements, with PyTorch's semantics. */
public enum OptimizerKind {
    /** Plain SGD (optionally with momentum): the official code. */
    SGD,
    /** Adam, β=(0.9, 0.999), ε=1e-8: the paper's text. */
    ADAM;

    /** "sgd" or "adam", case-insensitive; the one place an optimizer name is read. */
    @JsonCreator
    public static OptimizerKind parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown optimizer '" + s + "': use sgd or adam");
        }
    }

    /** The lower-case name run files store. */
    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
