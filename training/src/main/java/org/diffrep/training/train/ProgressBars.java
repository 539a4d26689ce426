package org.diffrep.training.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The console progress bar of diffrep's loops, in one style: ASCII (any terminal, captured logs), redrawn once a second. */
public final class ProgressBars {

    private ProgressBars() {}

    /** A bar of {@code max} steps named {@code task}, for callers that add their own unit, speed or start. */
    public static ProgressBarBuilder builder(String task, long max) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(1000);
    }

    /** A bar that also redraws between steps (its elapsed time keeps moving), or null, no bar, when not {@code shown}. */
    public static ProgressBar open(String task, long max, boolean shown) {
        return shown ? builder(task, max).continuousUpdate().build() : null;
    }
}
