package org.diffrep.app;

import org.diffrep.datasets.DatasetsCommand;
import org.diffrep.model.bench.BenchCommand;
import org.diffrep.model.checkpoint.InspectCheckpointCommand;
import org.diffrep.model.cli.ModelInfoCommand;
import org.diffrep.model.cli.VerifyBlocksCommand;

import java.util.List;

/** Every subcommand of {@code bin/diffrep}, in the order {@code --help} lists them. */
final class Commands {
    private Commands() {}

    static List<Object> all() {
        return List.of(
                new ModelInfoCommand(),
                new InspectCheckpointCommand(),
                new VerifyBlocksCommand(),
                new BenchCommand(),
                new DatasetsCommand());
    }
}
