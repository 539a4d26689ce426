package org.diffrep.model.checkpoint;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffrep.model.checkpoint.TorchUnpickler.StorageRef;
import org.diffrep.model.checkpoint.TorchUnpickler.TensorRef;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads state_dicts written by {@code torch.save} since torch 1.6: a zip holding
 * {@code <top>/data.pkl} (the pickled OrderedDict, see {@link TorchUnpickler}) and one record
 * {@code <top>/data/<key>} of raw elements per storage. A tensor is a strided view into a
 * storage, and several tensors may share one (fp16 training saves all parameters as views of a
 * few flat storages). Contiguous views are read from the file straight into their array; only
 * non-contiguous ones pass through a temporary buffer of the span they cover.
 */
public final class TorchZipReader {

    private static final int MAX_PICKLE = 256 << 20;

    private TorchZipReader() {}

    public static StateDict read(Path file) {
        return Checkpoints.withZip(file, TorchZipReader::read);
    }

    public static List<TensorInfo> describe(Path file) {
        return Checkpoints.withZip(file, TorchZipReader::describe);
    }

    static StateDict read(ZipIndex zip, String file) throws IOException {
        Layout layout = layout(zip, file);
        LinkedHashMap<String, INDArray> arrays = new LinkedHashMap<>();
        Map<String, String> dtypes = new HashMap<>();
        try {
            for (Map.Entry<String, TensorRef> t : layout.tensors.entrySet()) {
                arrays.put(t.getKey(), layout.load(t.getKey(), t.getValue()));
                dtypes.put(t.getKey(), t.getValue().storage().dtype().label);
            }
        } catch (IOException | RuntimeException e) {
            arrays.values().forEach(INDArray::close);
            throw e;
        }
        return new StateDict(file, arrays, dtypes);
    }

    static List<TensorInfo> describe(ZipIndex zip, String file) throws IOException {
        List<TensorInfo> out = new ArrayList<>();
        layout(zip, file).tensors.forEach((k, t) -> out.add(new TensorInfo(k, t.size(), t.storage().dtype().label)));
        return out;
    }

    /** The zip's {@code data.pkl}: the only one, in the single top folder torch writes. */
    static ZipIndex.Entry findPickle(ZipIndex zip) {
        ZipIndex.Entry found = null;
        for (ZipIndex.Entry e : zip.entries()) {
            String name = e.name();
            if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                if (found != null) {
                    return null;
                }
                found = e;
            }
        }
        return found;
    }

    private static Layout layout(ZipIndex zip, String file) throws IOException {
        ZipIndex.Entry pickle = findPickle(zip);
        if (pickle == null) {
            throw new CheckpointException(file + " is a zip archive but not a torch checkpoint:"
                    + " it has no single <folder>/data.pkl entry");
        }
        String prefix = pickle.name().substring(0, pickle.name().length() - "data.pkl".length());
        String source = file + ": " + pickle.name();
        Object root;
        try {
            root = new TorchUnpickler(source).loads(zip.readAll(pickle, MAX_PICKLE));
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(source + " is not a readable pickle (" + e.getMessage() + ")", e);
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new CheckpointException(source + " holds " + kind(root) + ", not a state_dict (a dict of tensors)");
        }
        Layout layout = new Layout(zip, file, prefix, byteOrder(zip, file, prefix));
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new CheckpointException(source + " has a non-string key " + e.getKey() + "; a state_dict is keyed by names");
            }
            if (!(e.getValue() instanceof TensorRef t)) {
                String hint = e.getValue() instanceof Map<?, ?>
                        ? ": this looks like a training checkpoint wrapping a state_dict; save just the state_dict"
                        + " (torch.save(ckpt['" + key + "'], f)) and load that"
                        : "";
                throw new CheckpointException(source + ": key '" + key + "' holds " + kind(e.getValue())
                        + ", not a tensor" + hint);
            }
            layout.check(key, t);
            layout.tensors.put(key, t);
        }
        return layout;
    }

    /** torch >= 2.1 records the writer's byte order; older files are little-endian. */
    private static ByteOrder byteOrder(ZipIndex zip, String file, String prefix) throws IOException {
        ZipIndex.Entry e = zip.find(prefix + "byteorder");
        if (e == null) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        String order = new String(zip.readAll(e, 16), StandardCharsets.US_ASCII).strip();
        return switch (order) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new CheckpointException(file + ": unknown byte order '" + order + "' in " + e.name());
        };
    }

    private static String kind(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Map<?, ?>) {
            return "a dict";
        }
        if (o instanceof Object[] || o instanceof List<?>) {
            return "a sequence";
        }
        return "a value of type " + o.getClass().getSimpleName();
    }

    private static final class Layout {
        final ZipIndex zip;
        final String file;
        final String prefix;
        final ByteOrder order;
        final TensorFill filler = new TensorFill();
        final LinkedHashMap<String, TensorRef> tensors = new LinkedHashMap<>();

        Layout(ZipIndex zip, String file, String prefix, ByteOrder order) {
            this.zip = zip;
            this.file = file;
            this.prefix = prefix;
            this.order = order;
        }

        ZipIndex.Entry record(String key, StorageRef s) {
            ZipIndex.Entry e = zip.find(prefix + "data/" + s.key());
            if (e == null) {
                throw new CheckpointException(file + ": storage record " + prefix + "data/" + s.key()
                        + " of tensor '" + key + "' is missing");
            }
            return e;
        }

        /** Every element the view can reach must exist in the declared storage and in its record. */
        void check(String key, TensorRef t) {
            StorageRef s = t.storage();
            ZipIndex.Entry e = record(key, s);
            long numel;
            long end;
            try {
                numel = TensorInfo.numel(t.size());
                end = numel == 0 ? 0 : t.offset() + span(t);
            } catch (ArithmeticException overflow) {
                throw new CheckpointException(file + ": tensor '" + key + "' has an impossible shape or stride");
            }
            if (end > s.numel()) {
                throw new CheckpointException(file + ": tensor '" + key + "' " + TensorInfo.formatShape(t.size())
                        + " needs elements up to " + end + " of storage " + s.key() + ", which holds only " + s.numel());
            }
            if (end > e.size() / s.dtype().size) {
                throw new CheckpointException(file + ": storage " + e.name() + " is shorter than its tensor '" + key
                        + "': the tensor needs " + end * s.dtype().size + " bytes, the record holds " + e.size()
                        + " (file truncated or damaged?)");
            }
        }

        INDArray load(String key, TensorRef t) throws IOException {
            StorageRef s = t.storage();
            String what = file + ": storage " + prefix + "data/" + s.key() + " (tensor '" + key + "')";
            if (TensorInfo.numel(t.size()) == 0 || contiguous(t.size(), t.stride())) {
                INDArray out = TensorFill.allocate(t.size(), 'c');
                fill(s, record(key, s), t.offset(), out, what);
                return out;
            }
            INDArray span = TensorFill.allocate(new long[] {span(t)}, 'c');
            try {
                fill(s, record(key, s), t.offset(), span, what);
                return Nd4j.create(span.data(), t.size(), t.stride(), 0, 'c').dup('c');
            } finally {
                span.close();
            }
        }

        private void fill(StorageRef s, ZipIndex.Entry e, long offset, INDArray into, String what) throws IOException {
            try (ReadableByteChannel in = zip.open(e, offset * s.dtype().size)) {
                filler.fill(in, s.dtype(), order, into, what);
            }
        }
    }

    /** Elements from the first to the last one a non-empty view touches. */
    private static long span(TensorRef t) {
        long last = 0;
        for (int i = 0; i < t.size().length; i++) {
            last = Math.addExact(last, Math.multiplyExact(t.size()[i] - 1, t.stride()[i]));
        }
        return last + 1;
    }

    /** Row-major with no gaps; strides of size-1 dimensions do not matter. */
    private static boolean contiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= size[i];
        }
        return true;
    }
}
