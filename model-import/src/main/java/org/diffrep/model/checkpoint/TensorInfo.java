package org.diffrep.model.checkpoint;

import java.util.Arrays;

/**
 * Name, shape and stored element type of one checkpoint tensor, known without reading its data.
 *
 * @param dtype the type in the file ("float32", "float16", "bfloat16", "int64", ...)
 */
public record TensorInfo(String key, long[] shape, String dtype) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        return numel(shape);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Shape as {@code 256x3x3x3}, {@code ()} for a scalar, as in the reference key lists. */
    public static String formatShape(long[] shape) {
        if (shape.length == 0) {
            return "()";
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : "x").append(shape[i]);
        }
        return s.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && key.equals(t.key) && Arrays.equals(shape, t.shape) && dtype.equals(t.dtype);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * key.hashCode() + Arrays.hashCode(shape)) + dtype.hashCode();
    }

    @Override
    public String toString() {
        return key + " " + formatShape(shape) + " " + dtype;
    }
}
