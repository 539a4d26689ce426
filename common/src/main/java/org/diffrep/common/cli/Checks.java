package org.diffrep.common.cli;

import org.diffrep.common.UserInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;

/**
 * Checks of option values that commands run before any heavy work (reading a checkpoint, listing
 * a dataset, extracting features), so a typo costs a second, not an hour. Each failure is a
 * {@link UserInputException} naming the option, the value and what is allowed.
 */
public final class Checks {
    private Checks() {}

    /** {@code min <= value <= max}. */
    public static void inRange(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new UserInputException(option + " " + value + " is outside " + min + ".." + max);
        }
    }

    /** Every value in {@code min..max}. */
    public static void allInRange(String option, Collection<Integer> values, long min, long max) {
        if (values.isEmpty()) throw new UserInputException(option + " needs at least one value in " + min + ".." + max);
        for (int v : values) inRange(option, v, min, max);
    }

    /** {@code value >= min}; for counts, sizes and thread numbers. */
    public static void atLeast(String option, long value, long min) {
        if (value < min) throw new UserInputException(option + " " + value + " must be at least " + min);
    }

    /** A finite {@code value > 0}; for learning rates and decay factors. */
    public static void positive(String option, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new UserInputException(option + " " + String.format(Locale.ROOT, "%s", value) + " must be a number greater than 0");
        }
    }

    /** A finite {@code value >= 0}. */
    public static void notNegative(String option, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new UserInputException(option + " " + String.format(Locale.ROOT, "%s", value) + " must be a number at least 0");
        }
    }

    /** An existing regular file (a checkpoint, a config, a search space). */
    public static void existingFile(String option, Path file) {
        if (!Files.exists(file)) throw new UserInputException(option + " " + file + " does not exist");
        if (!Files.isRegularFile(file)) throw new UserInputException(option + " " + file + " is not a file");
        if (!Files.isReadable(file)) throw new UserInputException(option + " " + file + " is not readable");
    }

    /** An existing folder (a dataset root, a run). */
    public static void existingFolder(String option, Path dir) {
        if (!Files.exists(dir)) throw new UserInputException(option + " " + dir + " does not exist");
        if (!Files.isDirectory(dir)) throw new UserInputException(option + " " + dir + " is not a folder");
    }

    /**
     * A folder the command may write into: an existing writable folder, or a path whose nearest
     * existing parent is a writable folder (it is created later).
     */
    public static void writableFolder(String option, Path dir) {
        Path p = dir.toAbsolutePath().normalize();
        if (Files.exists(p) && !Files.isDirectory(p)) throw new UserInputException(option + " " + dir + " is a file, not a folder");
        Path existing = p;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) throw new UserInputException(option + " " + dir + " has no existing parent folder");
        if (!Files.isDirectory(existing)) throw new UserInputException(option + " " + dir + ": " + existing + " is a file, not a folder");
        if (!Files.isWritable(existing)) throw new UserInputException(option + " " + dir + ": " + existing + " is not writable");
    }

    /**
     * A file the command may write (a result file): not a folder, not a read-only file, in a folder
     * the command may write into (created later if missing).
     */
    public static void writableFile(String option, Path file) {
        Path p = file.toAbsolutePath().normalize();
        if (Files.isDirectory(p)) throw new UserInputException(option + " " + file + " is a folder, not a file");
        if (Files.exists(p) && !Files.isWritable(p)) throw new UserInputException(option + " " + file + " is not writable");
        writableFolder(option, p.getParent());
    }

    /**
     * The folder of a new run: writable, and not holding a run already ({@code marker}, e.g. its
     * checkpoint) unless the command continues it with {@code --resume}.
     */
    public static void runFolder(String option, Path dir, String marker, boolean resume) {
        writableFolder(option, dir);
        if (!resume && Files.exists(dir.resolve(marker))) {
            throw new UserInputException(option + " " + dir + " already holds a run (" + marker + "): pass --resume to continue it"
                    + " or choose another " + option);
        }
    }
}
