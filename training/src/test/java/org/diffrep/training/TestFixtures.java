package org.diffrep.training;

import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

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

    /**
     * Copies of the U-Net weights a graph holds as constants (more than 100 of them), after checking
     * that every variable of the graph is one of {@code trainable}: what "the backbone stays frozen" compares against.
     */
    public static Map<String, INDArray> frozenWeights(SameDiff sd, StateDict weights, List<String> trainable) {
        Map<String, INDArray> frozen = new LinkedHashMap<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.CONSTANT && weights.contains(v.name())) frozen.put(v.name(), v.getArr().dup());
            if (v.getVariableType() == VariableType.VARIABLE) assertThat(trainable).contains(v.name());
        }
        assertThat(frozen).hasSizeGreaterThan(100);
        return frozen;
    }
}
