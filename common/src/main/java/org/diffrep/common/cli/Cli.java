package org.diffrep.common.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import org.diffrep.common.UserInputException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Optional;

/**
 * How every diffrep command line runs, whether through {@code bin/diffrep} or a command's own main
 * class: a problem with what the user gave (a bad option, a missing or unreadable file, a malformed
 * YAML/JSON file, a {@link UserInputException} from the library) is one line {@code error: …} on
 * the error stream and exit code {@value #USER_ERROR}; anything else is a bug in diffrep and keeps
 * its stack trace (exit code 1). {@code -Ddiffrep.trace=true} prints the trace of user errors too.
 */
public final class Cli {

    /** Exit code of a usage or input error (picocli's and the shell's convention). */
    public static final int USER_ERROR = CommandLine.ExitCode.USAGE;

    private Cli() {}

    /** Runs {@code command} with {@code args} and exits the JVM with its exit code: a command's {@code main}. */
    public static void main(Object command, String[] args) {
        System.exit(commandLine(command).execute(args));
    }

    /** A command line for {@code command} with diffrep's error handling. */
    public static CommandLine commandLine(Object command) {
        return configure(new CommandLine(command));
    }

    /**
     * Installs diffrep's error handling on {@code cl} and every subcommand it has now: call it after
     * the last {@code addSubcommand}.
     */
    public static CommandLine configure(CommandLine cl) {
        cl.setParameterExceptionHandler(Cli::onBadParameter);
        cl.setExecutionExceptionHandler(Cli::onFailure);
        return cl;
    }

    private static int onBadParameter(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("error: " + e.getMessage() + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        if (traceRequested()) e.printStackTrace(err);
        err.flush();
        return USER_ERROR;
    }

    private static int onFailure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        Optional<String> userError = userError(e);
        if (userError.isPresent()) {
            err.println("error: " + userError.get());
            if (traceRequested()) e.printStackTrace(err);
            err.flush();
            return USER_ERROR;
        }
        e.printStackTrace(err);
        err.flush();
        return CommandLine.ExitCode.SOFTWARE;
    }

    /**
     * The one-line report of {@code e} when it (or an exception it wraps) is a problem with the
     * user's input; empty for a bug.
     */
    public static Optional<String> userError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UserInputException) return Optional.of(t.getMessage());
            if (t instanceof FileSystemException fs) return Optional.of(describe(fs));
            if (t instanceof JsonProcessingException json && json.getLocation() != null
                    && json.getLocation() != JsonLocation.NA) {
                return Optional.of(describe(json));
            }
        }
        return Optional.empty();
    }

    private static String describe(FileSystemException e) {
        String file = e.getFile();
        if (e instanceof NoSuchFileException) return file + " does not exist";
        if (e instanceof AccessDeniedException) return "permission denied: " + file;
        if (e instanceof NotDirectoryException) return file + " is not a folder";
        if (e instanceof FileAlreadyExistsException) return file + " already exists";
        String reason = e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
        return (file != null ? file + ": " : "") + reason + (e.getOtherFile() != null ? " (" + e.getOtherFile() + ")" : "");
    }

    /** Jackson no longer records which file it read: readers of user files name it with {@link UserInputException#malformed}. */
    private static String describe(JsonProcessingException e) {
        return "malformed input: " + UserInputException.describe(e);
    }

    private static boolean traceRequested() {
        return Boolean.getBoolean("diffrep.trace");
    }
}
