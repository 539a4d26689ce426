package org.diffrep.datasets;

import com.fasterxml.jackson.annotation.JsonProperty;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --max-unreadable}: the share of a split's images that may be unreadable (skipped, counted
 * and listed) before a run fails. A picocli mixin for every command that reads a dataset; also a
 * JSON property of the run descriptions that store their options.
 */
public final class UnreadableOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private double maxUnreadable = LoaderOptions.DEFAULT_MAX_BAD_FRACTION;

    @Option(names = "--max-unreadable", paramLabel = "FRACTION", defaultValue = "0.01",
            description = "Unreadable images tolerated, as a fraction of the images a split is read for (skipped and listed); "
                    + "past it the run fails (default ${DEFAULT-VALUE}; 0 = none).")
    @JsonProperty("maxUnreadable")
    void setMaxUnreadable(double value) {
        if (!(value >= 0 && value <= 1)) {
            String message = "--max-unreadable must be a fraction in [0, 1], got " + value;
            throw spec != null ? new ParameterException(spec.commandLine(), message) : new IllegalArgumentException(message);
        }
        this.maxUnreadable = value;
    }

    @JsonProperty("maxUnreadable")
    public double maxUnreadable() {
        return maxUnreadable;
    }

    /** The loader options with this tolerance. */
    public LoaderOptions apply(LoaderOptions options) {
        return options.withMaxBadFraction(maxUnreadable);
    }
}
