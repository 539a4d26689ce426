package org.diffrep.training.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training state on disk: a JSON document (epoch, configs, metrics so far) and named float
 * arrays (head parameters, BatchNorm statistics, optimizer state). Written to a temporary file,
 * forced to disk and renamed over the previous checkpoint, so a kill at any moment leaves either
 * the old or the new checkpoint, never a torn one.
 *
 * <pre>magic "DRCKPT01" | UTF json | int n | n × (UTF name | int rank | long[rank] shape | float[] data)</pre>
 */
public record Checkpoint(String json, Map<String, INDArray> arrays) {

    private static final byte[] MAGIC = "DRCKPT01".getBytes(StandardCharsets.US_ASCII);

    public void write(Path file) throws IOException {
        Path tmp = AtomicFiles.tempFor(file);
        try {
            try (FileOutputStream fos = new FileOutputStream(tmp.toFile());
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(fos, 1 << 20))) {
                out.write(MAGIC);
                byte[] j = json.getBytes(StandardCharsets.UTF_8);
                out.writeInt(j.length);
                out.write(j);
                out.writeInt(arrays.size());
                for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                    out.writeUTF(e.getKey());
                    long[] shape = e.getValue().shape();
                    out.writeInt(shape.length);
                    for (long s : shape) out.writeLong(s);
                    for (float f : e.getValue().castTo(DataType.FLOAT).dup('c').data().asFloat()) out.writeFloat(f);
                }
                out.flush();
                fos.getFD().sync();
            }
            AtomicFiles.publish(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static Checkpoint read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!java.util.Arrays.equals(magic, MAGIC)) throw new IOException(file + " is not a diffrep checkpoint");
            String json = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
            int n = in.readInt();
            Map<String, INDArray> arrays = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.readInt()];
                long len = 1;
                for (int k = 0; k < shape.length; k++) {
                    shape[k] = in.readLong();
                    len *= shape[k];
                }
                float[] data = new float[Math.toIntExact(len)];
                for (int k = 0; k < data.length; k++) data[k] = in.readFloat();
                arrays.put(name, Nd4j.createFromArray(data).reshape(shape));
            }
            return new Checkpoint(json, arrays);
        }
    }
}
