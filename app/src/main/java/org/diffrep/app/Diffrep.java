package org.diffrep.app;

import org.diffrep.common.cli.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The {@code bin/diffrep} entry point. Each subcommand is also a plain main class in the module
 * that owns its functionality, for users who call it from their own tooling.
 */
@Command(name = "diffrep", mixinStandardHelpOptions = true, version = "diffrep 0.1.0",
        description = "Diffusion U-Net features as visual representations (SameDiff / ND4J).",
        subcommands = {CommandLine.HelpCommand.class})
public final class Diffrep {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Also show the libraries' log (ND4J, DataVec, JavaCPP), hidden by default.")
    void verbose(boolean on) {
        if (on) LibraryLog.show();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The launcher with every subcommand and diffrep's one-line errors (exit 2) for bad input. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Diffrep());
        for (Object command : Commands.all()) {
            // a CommandLine, not the bare object: picocli applies a command's modelTransformer only when it builds one
            cl.addSubcommand(new CommandLine(command));
        }
        return Cli.configure(cl);
    }
}
