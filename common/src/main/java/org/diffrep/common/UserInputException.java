package org.diffrep.common;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Something the user gave (a path, a name, a number, a file's contents) cannot be used. The
 * message is the whole report: it names the value at fault and what is allowed, so the command
 * line prints it as one {@code error: …} line with exit code 2 instead of a stack trace.
 *
 * <p>It extends {@link IllegalArgumentException} because that is what it is; code that catches
 * invalid arguments in general keeps working. Throw plain {@code IllegalArgumentException} or
 * {@code IllegalStateException} for a broken invariant inside diffrep: those are bugs and keep
 * their trace.
 */
public class UserInputException extends IllegalArgumentException {

    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A JSON or YAML file the user gave that does not parse: names the file, line and column. */
    public static UserInputException malformed(Path file, JsonProcessingException e) {
        return new UserInputException("malformed " + file + ": " + describe(e), e);
    }

    /**
     * A parser's complaint on one line, with where it stopped: YAML parsers quote the offending
     * source with a caret under it over several lines, which a one-line report drops.
     */
    public static String describe(JsonProcessingException e) {
        String problem = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage().lines()
                .filter(l -> !l.isBlank() && !l.startsWith("    ") && !l.strip().equals("^") && !l.strip().startsWith("in 'reader'"))
                .map(String::strip)
                .collect(Collectors.joining(": "));
        JsonLocation where = e.getLocation();
        return where == null || where == JsonLocation.NA ? problem
                : problem + " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
    }
}
