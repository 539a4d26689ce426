package org.diffrep.training.train;

import org.diffrep.common.UserInputException;
import org.diffrep.common.util.AtomicFiles;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UTFDataFormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

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

    /**
     * Writes the checkpoint over {@code file} atomically. When the disk refuses (full, read-only,
     * gone), {@code file} keeps the previous checkpoint, the partial file is removed, and the error
     * says so in one line, so the run can be resumed from the last good state once there is room.
     */
    public void write(Path file) throws IOException {
        write(file, UnaryOperator.identity());
    }

    /** As {@link #write(Path)}, with the file's stream wrapped by {@code disk} (tests put a size-limited one here). */
    void write(Path file, UnaryOperator<OutputStream> disk) throws IOException {
        Path tmp = AtomicFiles.tempFor(file);
        try {
            try (FileOutputStream fos = new FileOutputStream(tmp.toFile());
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(disk.apply(fos), 1 << 20))) {
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
        } catch (IOException e) {
            String kept = Files.isRegularFile(file) ? "the previous checkpoint there is intact: free space and continue with --resume"
                    : "no earlier checkpoint exists: free space and start again";
            throw new UserInputException("could not write checkpoint " + file + " (" + (e.getMessage() != null ? e.getMessage() : e)
                    + "); " + kept, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Where an optimizer's state arrays sit among a checkpoint's arrays, for trainers with one optimizer. */
    public static final String OPTIMIZER = "optimizer/";

    /**
     * The arrays to checkpoint for {@code graph}: its trained parameters and buffers by name, then
     * each optimizer's state under its key's prefix (the map's order is kept).
     */
    public static Map<String, INDArray> arraysOf(CheckpointedGraph graph, Map<String, Map<String, INDArray>> optimizerStates) {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (String name : graph.trainableNames()) arrays.put(name, graph.array(name));
        for (String name : graph.bufferNames()) arrays.put(name, graph.array(name));
        optimizerStates.forEach((prefix, state) -> state.forEach((k, v) -> arrays.put(prefix + k, v)));
        return arrays;
    }

    /** Copies this checkpoint's parameters and buffers into {@code graph}, refusing a missing array or a shape that differs. */
    public void loadInto(CheckpointedGraph graph) {
        List<String> names = new ArrayList<>(graph.trainableNames());
        names.addAll(graph.bufferNames());
        for (String name : names) {
            INDArray saved = arrays.get(name);
            if (saved == null) throw new IllegalStateException("checkpoint has no array " + name);
            INDArray target = graph.array(name);
            if (!Arrays.equals(saved.shape(), target.shape())) {
                throw new IllegalStateException(name + ": checkpoint shape " + Arrays.toString(saved.shape())
                        + " vs graph " + Arrays.toString(target.shape()));
            }
            target.assign(saved);
        }
    }

    /** The arrays saved under {@code prefix} (an optimizer's state), by name without the prefix. */
    public Map<String, INDArray> prefixed(String prefix) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        arrays.forEach((k, v) -> {
            if (k.startsWith(prefix)) m.put(k.substring(prefix.length()), v);
        });
        return m;
    }

    /**
     * Reads a checkpoint written by {@link #write}. A file that is not one, or is cut short or
     * garbled, is a {@link UserInputException} naming it: the user gave the wrong file or the disk
     * lost it, and the run's previous state cannot be trusted.
     */
    public static Checkpoint read(Path file) throws IOException {
        return parse(file, true);
    }

    /**
     * Walks the whole file as {@link #read} does but keeps no data (no ND4J arrays): a resumed run
     * checks its checkpoint this way before any heavy work.
     */
    public static void verify(Path file) throws IOException {
        parse(file, false);
    }

    private static Checkpoint parse(Path file, boolean load) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) throw new UserInputException(file + " is not a diffrep checkpoint (no DRCKPT01 header)");
            int jsonLength = in.readInt();
            if (jsonLength < 0) throw corrupt(file, "negative header length " + jsonLength);
            byte[] jsonBytes = in.readNBytes(jsonLength);
            if (jsonBytes.length < jsonLength) throw new EOFException();
            String json = new String(jsonBytes, StandardCharsets.UTF_8);
            int n = in.readInt();
            if (n < 0) throw corrupt(file, "negative array count " + n);
            Map<String, INDArray> arrays = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                int rank = in.readInt();
                if (rank < 0 || rank > 8) throw corrupt(file, "array " + name + " has rank " + rank);
                long[] shape = new long[rank];
                long len = 1;
                for (int k = 0; k < shape.length; k++) {
                    shape[k] = in.readLong();
                    if (shape[k] < 0 || shape[k] > Integer.MAX_VALUE) throw corrupt(file, "array " + name + " has dimension " + shape[k]);
                    len = Math.multiplyExact(len, shape[k]);
                }
                if (len > Integer.MAX_VALUE) throw corrupt(file, "array " + name + " has " + len + " elements");
                if (load) {
                    float[] data = new float[(int) len];
                    for (int k = 0; k < data.length; k++) data[k] = in.readFloat();
                    arrays.put(name, Nd4j.createFromArray(data).reshape(shape));
                } else {
                    in.skipNBytes(len * Float.BYTES);
                }
            }
            if (in.read() != -1) throw corrupt(file, "it has bytes after its last array");
            return load ? new Checkpoint(json, arrays) : null;
        } catch (EOFException | UTFDataFormatException | ArithmeticException e) {
            throw corrupt(file, "it is cut short or garbled (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static UserInputException corrupt(Path file, String why) {
        return new UserInputException("corrupt checkpoint " + file + ": " + why + "; restore it or start the run again without --resume");
    }
}
