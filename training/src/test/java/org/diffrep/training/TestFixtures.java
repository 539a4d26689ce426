package org.diffrep.training;

import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared adm-tiny fixture (real weights of the 37-block ADM tree at 32 channels, 64 px). */
public final class TestFixtures {
    private TestFixtures() {}

    private static StateDict weights;

    /** {@code shared/fixtures/adm-tiny}, found beside the repository (or at -Ddiffrep.fixtures). */
    public static Path admTinyDir() {
        String prop = System.getProperty("diffrep.fixtures");
        if (prop != null) return Path.of(prop).resolve("adm-tiny");
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/fixtures/adm-tiny");
            if (Files.isRegularFile(candidate.resolve("model.npz"))) return candidate;
        }
        throw new IllegalStateException("adm-tiny fixture not found: expected shared/fixtures/adm-tiny beside the repository");
    }

    public static Path admTinyCheckpoint() {
        return admTinyDir().resolve("model.npz");
    }

    public static synchronized StateDict admTinyWeights() {
        if (weights == null) weights = Checkpoints.read(admTinyCheckpoint());
        return weights;
    }
}
