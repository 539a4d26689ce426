package org.diffrep.datasets;

import org.diffrep.common.UserInputException;

import java.util.stream.Collectors;

/** More of a split is unreadable than {@link LoaderOptions#maxBadFraction()} allows. */
public class TooManyUnreadableImagesException extends UserInputException {
    private final transient LoadReport report;

    public TooManyUnreadableImagesException(LoadReport report) {
        super(report.summary() + "; first: " + report.problems().stream().limit(5)
                .map(p -> p.path() + " (" + p.reason() + ")").collect(Collectors.joining(", ")));
        this.report = report;
    }

    public LoadReport report() {
        return report;
    }
}
