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
        if (home != null) {
            // a named home is the checkout: a copy elsewhere (say, above the working folder) is not used behind its back
            Path file = Path.of(home).resolve(relative);
            if (Files.exists(file)) return file;
            throw new UserInputException("cannot find " + relative + " in the diffrep home " + home + " (diffrep.home / DIFFREP_HOME):"
                    + " point it at the clone, or pass the path explicitly");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(relative))) return dir.resolve(relative);
        }
        throw new UserInputException("cannot find " + relative + " (shipped in the diffrep repository): run from inside"
                + " the clone, set DIFFREP_HOME to it, or pass the path explicitly");
    }
}
