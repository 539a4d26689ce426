package org.diffrep.model.unet;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

final class Fixtures {
    private Fixtures() {}

    static Map<String, INDArray> npz(Path file) throws IOException {
        try {
            return Nd4j.createFromNpzFile(file.toFile());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot read " + file, e);
        }
    }
}
