package org.diffrep.model.checkpoint;

import java.io.IOException;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * Unpickles torch's {@code data.pkl} with an allow-list. razorvine's own Unpickler resolves any
 * global to some constructor (unknown ones become ClassDict objects) and calls it on REDUCE, so
 * every opcode that names or calls a global is handled here instead: a global outside the list
 * fails the moment it is named, before anything could be called, and REDUCE only ever calls the
 * allowed functions below, which build plain descriptions of tensors. Storages are not read here:
 * persistent ids become {@link StorageRef}s and the reader fetches their bytes afterwards.
 */
final class TorchUnpickler extends Unpickler {

    /** One storage record {@code data/<key>} holding {@code numel} elements of {@code dtype}. */
    record StorageRef(String key, DType dtype, long numel) {}

    /** A tensor as torch describes it: a strided view into a storage, all counts in elements. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    /** An allowed callable global. */
    private interface AllowedFunction extends Function<Object[], Object> {}

    /** A {@code torch.*Storage} class: only ever a tag inside a persistent id, never called. */
    private record StorageType(String name, DType dtype) {}

    /** What torch pickles as {@code collections.OrderedDict}; BUILD on it carries {@code _metadata}, ignored. */
    private static final class OrderedDictValue extends LinkedHashMap<Object, Object> {}

    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "torch.FloatStorage", DType.FLOAT32, "torch.HalfStorage", DType.FLOAT16,
            "torch.BFloat16Storage", DType.BFLOAT16, "torch.DoubleStorage", DType.FLOAT64,
            "torch.LongStorage", DType.INT64, "torch.IntStorage", DType.INT32, "torch.ShortStorage", DType.INT16,
            "torch.CharStorage", DType.INT8, "torch.ByteStorage", DType.UINT8, "torch.BoolStorage", DType.BOOL);

    private final String source;
    private final Map<String, StorageRef> storages = new HashMap<>();

    /** @param source names the pickle in error messages, e.g. "model.pt: archive/data.pkl" */
    TorchUnpickler(String source) {
        this.source = source;
    }

    private Object resolve(String module, String name) {
        String global = module + "." + name;
        return switch (global) {
            case "collections.OrderedDict" -> (AllowedFunction) this::orderedDict;
            case "torch._utils._rebuild_tensor_v2" -> (AllowedFunction) this::rebuildTensor;
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" ->
                    (AllowedFunction) this::rebuildParameter;
            default -> {
                DType dtype = STORAGE_TYPES.get(global);
                if (dtype == null) {
                    throw new CheckpointException(source + " references the Python global '" + global
                            + "', which a state_dict never needs: refused, nothing was executed."
                            + " Only tensors, OrderedDict and torch storage types are allowed.");
                }
                yield new StorageType(global, dtype);
            }
        };
    }

    @Override
    protected Object dispatch(short op) throws IOException {
        switch (op) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                stack.add(resolve(module, PickleUtils.readline(input)));
            }
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                if (!(module instanceof String m && name instanceof String n)) {
                    throw malformed("STACK_GLOBAL without a module and name");
                }
                stack.add(resolve(m, n));
            }
            case Opcodes.INST -> {
                // INST names its class inline and instantiates it at once; torch never writes it.
                String module = PickleUtils.readline(input);
                resolve(module, PickleUtils.readline(input));
                throw malformed("opcode INST");
            }
            case Opcodes.REDUCE, Opcodes.NEWOBJ -> {
                Object args = stack.pop();
                Object callable = stack.pop();
                if (!(callable instanceof AllowedFunction c)) {
                    throw new CheckpointException(source + " tries to call " + describe(callable)
                            + ", which is not an allowed function: refused, nothing was executed");
                }
                if (!(args instanceof Object[] a)) {
                    throw malformed("call arguments are not a tuple");
                }
                stack.add(c.apply(a));
            }
            case Opcodes.BUILD -> {
                stack.pop();
                if (!(stack.peek() instanceof OrderedDictValue)) {
                    throw new CheckpointException(source + " tries to set the state of " + describe(stack.peek())
                            + ": refused, nothing was executed");
                }
            }
            // razorvine fills dicts through a HashMap, losing the state_dict order.
            case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
            case Opcodes.DICT -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                putPairs(stack.pop_all_since_marker(), m);
                stack.add(m);
            }
            case Opcodes.SETITEM -> {
                Object value = stack.pop();
                Object key = stack.pop();
                targetMap().put(key, value);
            }
            case Opcodes.SETITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                putPairs(items, targetMap());
            }
            case Opcodes.BINSTRING, Opcodes.BINBYTES, Opcodes.BINUNICODE, Opcodes.LONG4 -> {
                checkLength(4);
                return super.dispatch(op);
            }
            case Opcodes.BINUNICODE8, Opcodes.BINBYTES8, Opcodes.BYTEARRAY8 -> {
                checkLength(8);
                return super.dispatch(op);
            }
            case Opcodes.OBJ, Opcodes.NEWOBJ_EX, Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4, Opcodes.PERSID,
                    Opcodes.NEXT_BUFFER, Opcodes.READONLY_BUFFER -> throw malformed(String.format("opcode 0x%02x (not written by torch.save)", op));
            default -> {
                return super.dispatch(op);
            }
        }
        return NO_RETURN_VALUE;
    }

    /** Guards the heap: razorvine allocates whatever length a string opcode declares. */
    private void checkLength(int width) throws IOException {
        input.mark(width);
        byte[] raw = PickleUtils.readbytes(input, width);
        input.reset();
        long length = width == 4 ? PickleUtils.bytes_to_uint(raw, 0) : PickleUtils.bytes_to_long(raw, 0);
        if (length < 0 || length > input.available() - width) {
            throw malformed("a " + length + "-byte value in a pickle of " + input.available() + " remaining bytes");
        }
    }

    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[] p) || p.length != 5 || !"storage".equals(p[0])
                || !(p[1] instanceof StorageType type) || !(p[2] instanceof String key)) {
            throw malformed("persistent id " + describe(pid) + " is not a torch storage");
        }
        long numel = toLong(p[4], "storage size");
        StorageRef ref = storages.computeIfAbsent(key, k -> new StorageRef(k, type.dtype(), numel));
        if (ref.dtype() != type.dtype() || ref.numel() != numel) {
            throw malformed("storage " + key + " is declared twice with different types or sizes");
        }
        return ref;
    }

    private Object orderedDict(Object[] a) {
        if (a.length != 0) {
            throw malformed("OrderedDict built from arguments");
        }
        return new OrderedDictValue();
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private Object rebuildTensor(Object[] a) {
        if (a.length < 4 || !(a[0] instanceof StorageRef storage) || !(a[2] instanceof Object[] size)
                || !(a[3] instanceof Object[] stride) || size.length != stride.length) {
            throw malformed("_rebuild_tensor_v2 arguments");
        }
        long offset = toLong(a[1], "storage offset");
        long[] sizes = new long[size.length];
        long[] strides = new long[size.length];
        for (int i = 0; i < size.length; i++) {
            sizes[i] = toLong(size[i], "tensor size");
            strides[i] = toLong(stride[i], "tensor stride");
            if (sizes[i] < 0 || strides[i] < 0) {
                throw malformed("negative tensor size or stride");
            }
        }
        if (offset < 0) {
            throw malformed("negative storage offset");
        }
        return new TensorRef(storage, offset, sizes, strides);
    }

    /** {@code _rebuild_parameter(data, requires_grad, backward_hooks[, state])}: the data is all we keep. */
    private Object rebuildParameter(Object[] a) {
        if (a.length < 1 || !(a[0] instanceof TensorRef t)) {
            throw malformed("_rebuild_parameter arguments");
        }
        return t;
    }

    private Map<Object, Object> targetMap() {
        if (!(stack.peek() instanceof Map<?, ?> m)) {
            throw malformed("SETITEM on " + describe(stack.peek()));
        }
        @SuppressWarnings("unchecked")
        Map<Object, Object> map = (Map<Object, Object>) m;
        return map;
    }

    private void putPairs(List<Object> items, Map<Object, Object> into) {
        if (items.size() % 2 != 0) {
            throw malformed("odd number of dict items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            into.put(items.get(i), items.get(i + 1));
        }
    }

    private long toLong(Object o, String what) {
        if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
            return ((Number) o).longValue();
        }
        if (o instanceof BigInteger b && b.bitLength() < 64) {
            return b.longValue();
        }
        throw malformed(what + " is " + describe(o) + ", not an integer");
    }

    private static String describe(Object o) {
        if (o instanceof StorageType t) {
            return "the storage type " + t.name();
        }
        if (o == null) {
            return "None";
        }
        if (o instanceof String s) {
            return "the string '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        }
        return "a value of type " + o.getClass().getSimpleName();
    }

    private CheckpointException malformed(String what) {
        return new CheckpointException(source + " is not a plain torch state_dict pickle: unexpected " + what);
    }
}
