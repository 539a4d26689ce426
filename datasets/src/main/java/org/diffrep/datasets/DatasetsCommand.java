package org.diffrep.datasets;

import org.diffrep.common.cli.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.concurrent.Callable;

/** {@code diffrep datasets}: the dataset subcommands (check, bench). */
@Command(name = "datasets", mixinStandardHelpOptions = true,
        description = "Validate dataset roots and measure loading throughput.",
        subcommands = {DatasetsCheckCommand.class, DatasetsBenchCommand.class})
public final class DatasetsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        Cli.main(new DatasetsCommand(), args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** Completion candidates and help text for --dataset. */
    static final class Names extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Names() {
            super(DatasetRegistry.NAMES);
        }
    }
}
