package org.diffrep.app;

import org.diffrep.common.cli.Cli;
import org.diffrep.model.runtime.NativeMemory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.util.Optional;

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
        if (on) ConsoleLog.showLibraries();
    }

    @Option(names = "--quiet", scope = CommandLine.ScopeType.INHERIT,
            description = "Only warnings and errors from diffrep's log (its status lines: what is read or extracted where, each epoch);"
                    + " results still print. Progress bars: --no-progress.")
    void quiet(boolean on) {
        if (on) ConsoleLog.onlyDiffrepsWarnings();
    }

    public static void main(String[] args) {
        CommandLine cl = commandLine();
        CommandLine.IExecutionExceptionHandler otherFailures = cl.getExecutionExceptionHandler();
        cl.setExecutionExceptionHandler((e, failed, parsed) -> {
            Optional<Integer> stopped = outOfMemory(failed, e);
            return stopped.isPresent() ? stopped.get() : otherFailures.handleExecutionException(e, failed, parsed);
        });
        int code;
        try {
            code = cl.execute(args);
        } catch (OutOfMemoryError e) {   // picocli passes Errors through
            code = outOfMemory(cl, e).orElseThrow(() -> e);
        }
        System.exit(code);
    }

    /** JavaCPP refusing memory over the resident-set cap: one line naming the variable that raises it, exit 2 like other input errors. */
    private static Optional<Integer> outOfMemory(CommandLine cl, Throwable e) {
        return NativeMemory.explain(e).map(message -> {
            cl.getErr().println("error: " + message);
            cl.getErr().flush();
            return CommandLine.ExitCode.USAGE;
        });
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
