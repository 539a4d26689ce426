package org.diffrep.training;

import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared adm-tiny fixture (real weights of the 37-block ADM tree at 32 channels, 64 px). */
public final class TestFixtures {
    private TestFixtures() {}

    private static StateDict weights;

    /** The in-repo copy of the fixture; the build passes its path as {@code diffrep.fixture.adm-tiny}. */
    public static Path admTinyDir() {
        String dir = System.getProperty("diffrep.fixture.adm-tiny");
        if (dir == null || !Files.isRegularFile(Path.of(dir, "model.npz"))) {
            throw new IllegalStateException("adm-tiny fixture not found at -Ddiffrep.fixture.adm-tiny=" + dir
                    + " (the root pom sets it to model-import/src/test/resources/adm-tiny)");
        }
        return Path.of(dir);
    }

    public static Path admTinyCheckpoint() {
        return admTinyDir().resolve("model.npz");
    }

    public static synchronized StateDict admTinyWeights() {
        if (weights == null) weights = Checkpoints.read(admTinyCheckpoint());
        return weights;
    }
}
