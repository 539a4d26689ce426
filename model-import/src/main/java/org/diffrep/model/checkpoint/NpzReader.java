package org.diffrep.model.checkpoint;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads numpy {@code .npz} archives ({@code np.savez} or {@code np.savez_compressed}): one
 * {@code <key>.npy} entry per tensor. Stored entries are read from the file straight into their
 * array, deflated ones are inflated in small chunks on the way; ND4J's own npz reader is not used
 * because it copies every array once more and fails on 0-d arrays.
 */
public final class NpzReader {

    private NpzReader() {}

    public static StateDict read(Path file) {
        return Checkpoints.withZip(file, NpzReader::read);
    }

    public static List<TensorInfo> describe(Path file) {
        return Checkpoints.withZip(file, NpzReader::describe);
    }

    static StateDict read(ZipIndex zip, String file) throws IOException {
        LinkedHashMap<String, INDArray> arrays = new LinkedHashMap<>();
        Map<String, String> dtypes = new HashMap<>();
        TensorFill filler = new TensorFill();
        try {
            for (ZipIndex.Entry e : arrayEntries(zip, file)) {
                String what = file + ": " + e.name();
                try (ReadableByteChannel in = zip.open(e, 0)) {
                    NpyHeader h = header(in, e, what);
                    arrays.put(key(e), load(in, h, filler, what));
                    dtypes.put(key(e), h.dtype().label);
                }
            }
        } catch (IOException | RuntimeException e) {
            arrays.values().forEach(INDArray::close);
            throw e;
        }
        return new StateDict(file, arrays, dtypes);
    }

    static List<TensorInfo> describe(ZipIndex zip, String file) throws IOException {
        List<TensorInfo> out = new ArrayList<>();
        for (ZipIndex.Entry e : arrayEntries(zip, file)) {
            try (ReadableByteChannel in = zip.open(e, 0)) {
                NpyHeader h = header(in, e, file + ": " + e.name());
                out.add(new TensorInfo(key(e), h.shape(), h.dtype().label));
            }
        }
        return out;
    }

    private static List<ZipIndex.Entry> arrayEntries(ZipIndex zip, String file) {
        List<ZipIndex.Entry> entries = new ArrayList<>();
        for (ZipIndex.Entry e : zip.entries()) {
            if (!e.name().endsWith(".npy")) {
                throw new CheckpointException(file + ": entry " + e.name() + " is not a .npy array, so this is not an .npz"
                        + " of weights");
            }
            entries.add(e);
        }
        return entries;
    }

    private static String key(ZipIndex.Entry e) {
        return e.name().substring(0, e.name().length() - ".npy".length());
    }

    /** Checks the sizes up front where the zip tells them (stored entries); inflated data is checked as it arrives. */
    private static NpyHeader header(ReadableByteChannel in, ZipIndex.Entry e, String what) throws IOException {
        NpyHeader h = NpyHeader.read(in, what);
        long needed = TensorInfo.numel(h.shape()) * h.dtype().size;
        if (e.stored() && e.size() - h.length() < needed) {
            throw new CheckpointException(what + " is shorter than its array: shape " + TensorInfo.formatShape(h.shape())
                    + " needs " + needed + " data bytes, the entry has " + (e.size() - h.length())
                    + " (file truncated or damaged?)");
        }
        return h;
    }

    private static INDArray load(ReadableByteChannel in, NpyHeader h, TensorFill filler, String what) throws IOException {
        boolean fortran = h.fortranOrder() && h.shape().length > 1;
        INDArray out = TensorFill.allocate(h.shape(), fortran ? 'f' : 'c');
        filler.fill(in, h.dtype(), h.order(), out, what);
        if (!fortran) {
            return out;
        }
        try {
            return out.dup('c');
        } finally {
            out.close();
        }
    }
}
