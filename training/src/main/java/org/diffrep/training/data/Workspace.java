package org.diffrep.training.data;

import java.nio.file.Path;

/**
 * Default folders for what commands write, so that nothing lands in the source tree unasked:
 * extracted features in the user's cache folder ({@code DIFFREP_CACHE}, else
 * {@code $XDG_CACHE_HOME/diffrep/features}, else {@code ~/.cache/diffrep/features}), results in
 * {@code runs/} of the working folder ({@code DIFFREP_RUNS} overrides; {@code runs/} is in the
 * repository's .gitignore).
 */
public final class Workspace {
    private Workspace() {}

    /** The feature cache used when a command is given no --cache. */
    public static Path featureCache() {
        String explicit = System.getenv("DIFFREP_CACHE");
        if (explicit != null && !explicit.isBlank()) return Path.of(explicit).toAbsolutePath();
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("diffrep").resolve("features").toAbsolutePath();
    }

    /** Where a result named {@code name} goes when a command is given no --out. */
    public static Path runs(String name) {
        String explicit = System.getenv("DIFFREP_RUNS");
        return (explicit != null && !explicit.isBlank() ? Path.of(explicit) : Path.of("runs")).resolve(name);
    }
}
