package org.diffrep.training;

import org.diffrep.common.cli.Cli;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of a command as the launcher runs it (the shared picocli setup), with what it printed on each stream. */
public record CommandRun(int exit, String out, String err) {

    public static CommandRun of(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new CommandRun(cl.execute(args), out.toString(), err.toString());
    }
}
