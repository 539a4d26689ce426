package org.diffrep.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** File-system helpers shared by the readers; every failure names the file it expected. */
final class Layout {
    private Layout() {}

    /** Image extensions the reference code lists (guided-diffusion: jpg, jpeg, png, gif; case-insensitive). */
    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png") || n.endsWith(".gif");
    }

    static void requireRoot(String dataset, Path root) {
        if (!Files.isDirectory(root)) {
            throw new DatasetLayoutException(dataset + ": root " + root + " does not exist or is not a directory");
        }
    }

    static Path requireDir(String dataset, Path root, Path dir, String expected) {
        requireRoot(dataset, root);
        if (!Files.isDirectory(dir)) {
            throw DatasetLayoutException.missing(dataset, root, expected + " (missing directory " + dir + ")");
        }
        return dir;
    }

    static Path requireFile(String dataset, Path root, Path file, String expected) {
        requireRoot(dataset, root);
        if (!Files.isRegularFile(file)) {
            throw DatasetLayoutException.missing(dataset, root, expected + " (missing file " + file + ")");
        }
        return file;
    }

    /** First of the candidate roots that contains {@code marker}, or null. */
    static Path firstContaining(String marker, Path... candidates) {
        for (Path c : candidates) {
            if (c != null && Files.exists(c.resolve(marker))) {
                return c;
            }
        }
        return null;
    }

    static List<String> lines(Path file) {
        try {
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
            return out;
        } catch (IOException e) {
            throw new DatasetLayoutException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Sorted (code-point order, as Python's sorted()) names of the sub-directories. */
    static List<String> subdirectories(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Image files directly in {@code dir}, sorted by name. */
    static List<Path> images(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && isImage(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Splits "first rest of line" at the first run of whitespace; the rest may contain spaces. */
    static String[] splitFirst(Path file, String line) {
        String[] parts = line.split("\\s+", 2);
        if (parts.length < 2) {
            throw new DatasetLayoutException(file + ": malformed line \"" + line + "\" (expected two fields)");
        }
        return parts;
    }

    static int parseInt(Path file, String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new DatasetLayoutException(file + ": \"" + s + "\" is not an integer");
        }
    }
}
