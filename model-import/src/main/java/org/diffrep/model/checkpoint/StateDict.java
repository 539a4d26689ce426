package org.diffrep.model.checkpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The tensors of a checkpoint in file order, each a float32, c-order, off-heap array of its own
 * (views in the file are materialised), together with the element type it had in the file.
 */
public final class StateDict implements AutoCloseable {

    private final String source;
    private final LinkedHashMap<String, INDArray> arrays;
    private final Map<String, String> dtypes;

    StateDict(String source, LinkedHashMap<String, INDArray> arrays, Map<String, String> dtypes) {
        this.source = source;
        this.arrays = arrays;
        this.dtypes = dtypes;
    }

    /** The file the tensors came from, for messages. */
    public String source() {
        return source;
    }

    public List<String> keys() {
        return Collections.unmodifiableList(new ArrayList<>(arrays.keySet()));
    }

    public int size() {
        return arrays.size();
    }

    public boolean contains(String key) {
        return arrays.containsKey(key);
    }

    public INDArray get(String key) {
        INDArray a = arrays.get(key);
        if (a == null) {
            throw new CheckpointException(source + " has no tensor '" + key + "' (it holds " + arrays.size() + " tensors)");
        }
        return a;
    }

    /** All arrays by key, in file order (a read-only view). */
    public Map<String, INDArray> asMap() {
        return java.util.Collections.unmodifiableMap(arrays);
    }

    public long[] shape(String key) {
        return get(key).shape();
    }

    /** The element type in the file: "float32", "float16", "bfloat16", "int64", ... */
    public String dtype(String key) {
        get(key);
        return dtypes.get(key);
    }

    public List<TensorInfo> tensors() {
        List<TensorInfo> out = new ArrayList<>(arrays.size());
        arrays.forEach((k, a) -> out.add(new TensorInfo(k, a.shape(), dtypes.get(k))));
        return out;
    }

    public long parameterCount() {
        long n = 0;
        for (INDArray a : arrays.values()) {
            n += a.length();
        }
        return n;
    }

    /** Off-heap bytes held by the float32 arrays. */
    public long totalBytes() {
        return parameterCount() * Float.BYTES;
    }

    /**
     * Frees the off-heap memory now instead of at garbage collection. Only for callers that did
     * not hand the arrays on (a SameDiff graph built from them uses the same buffers).
     */
    @Override
    public void close() {
        arrays.values().forEach(INDArray::close);
    }
}
