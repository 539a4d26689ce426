package org.diffrep.model.unet;

import org.diffrep.model.checkpoint.Checkpoints;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

final class Fixtures {
    private Fixtures() {}

    /** A mutable copy of an npz's arrays (tests perturb weights). */
    static Map<String, INDArray> npz(Path file) {
        return new LinkedHashMap<>(Checkpoints.read(file).asMap());
    }
}
