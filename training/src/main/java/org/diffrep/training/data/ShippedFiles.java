package org.diffrep.training.data;

import org.diffrep.common.UserInputException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds files shipped in the repository (Fashion-MNIST under {@value #DATA}, the pretrained model
 * under {@value #MODEL_DIR}) without a download: from the {@code diffrep.home} system property or
 * the {@code DIFFREP_HOME} variable, else from the working directory and its parents (so
 * {@code bin/diffrep} works from anywhere inside a clone).
 */
public final class ShippedFiles {

    public static final String DATA = "data/fashion-mnist";
    public static final String MODEL_DIR = "models/adm-fmnist";
    public static final String MODEL = MODEL_DIR + "/ema.npz";

    private ShippedFiles() {}

    public static Path find(String relative) {
        String home = System.getProperty("diffrep.home", System.getenv("DIFFREP_HOME"));
        if (home != null && Files.exists(Path.of(home).resolve(relative))) return Path.of(home).resolve(relative);
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(relative))) return dir.resolve(relative);
        }
        throw new UserInputException("cannot find " + relative + " (shipped in the diffrep repository): run from inside"
                + " the clone, set DIFFREP_HOME to it, or pass the path explicitly");
    }
}
