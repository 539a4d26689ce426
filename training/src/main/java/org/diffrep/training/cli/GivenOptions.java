package org.diffrep.training.cli;

import org.diffrep.common.UserInputException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.Collection;
import java.util.List;

/**
 * What the user typed, as opposed to picocli's defaults: an option the chosen head or run would
 * ignore must be refused, since a value silently left unused looks to the user as if it had been
 * applied.
 */
public final class GivenOptions {
    private GivenOptions() {}

    /**
     * Refuses the first of {@code options} given on {@code spec}'s command line with one line
     * {@code "<option> is for <appliesTo>; <notHere>"}. A command not run from a command line
     * (no parse result) was given nothing.
     */
    public static void refuse(CommandSpec spec, Collection<String> options, String appliesTo, String notHere) {
        for (String option : options) {
            if (given(spec, option)) throw new UserInputException(option + " is for " + appliesTo + "; " + notHere);
        }
    }

    /** Whether {@code option} was typed on {@code spec}'s command line (never, for a command not run from one). */
    public static boolean given(CommandSpec spec, String option) {
        CommandLine cl = spec.commandLine();
        CommandLine.ParseResult parsed = cl != null ? cl.getParseResult() : null;
        return parsed != null && parsed.hasMatchedOption(option);
    }

    /** The longest name of every option an options class (a picocli mixin) declares, its own mixins' included. */
    public static List<String> declaredBy(Class<?> options) {
        return CommandSpec.forAnnotatedObject(options).options().stream().map(OptionSpec::longestName).toList();
    }
}
