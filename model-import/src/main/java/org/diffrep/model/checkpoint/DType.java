package org.diffrep.model.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ShortBuffer;

/** Element types a checkpoint may store; every one is widened to float32 on load. */
public enum DType {
    FLOAT32("float32", 4),
    FLOAT64("float64", 8),
    FLOAT16("float16", 2),
    BFLOAT16("bfloat16", 2),
    INT64("int64", 8),
    INT32("int32", 4),
    INT16("int16", 2),
    INT8("int8", 1),
    UINT8("uint8", 1),
    BOOL("bool", 1);

    final String label;
    final int size;

    DType(String label, int size) {
        this.label = label;
        this.size = size;
    }

    /** Converts the first {@code n} elements of {@code in} (in its byte order); bulk views where it pays. */
    void decode(ByteBuffer in, float[] out, int n) {
        switch (this) {
            case FLOAT32 -> in.asFloatBuffer().get(out, 0, n);
            case FLOAT16 -> {
                ShortBuffer halves = in.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = HalfFloats.float16ToFloat(halves.get(i));
                }
            }
            case BFLOAT16 -> {
                ShortBuffer halves = in.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = HalfFloats.bfloat16ToFloat(halves.get(i));
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    out[i] = read(in);
                }
            }
        }
    }

    private float read(ByteBuffer in) {
        return switch (this) {
            case FLOAT32 -> in.getFloat();
            case FLOAT64 -> (float) in.getDouble();
            case FLOAT16 -> HalfFloats.float16ToFloat(in.getShort());
            case BFLOAT16 -> HalfFloats.bfloat16ToFloat(in.getShort());
            case INT64 -> (float) in.getLong();
            case INT32 -> (float) in.getInt();
            case INT16 -> in.getShort();
            case INT8 -> in.get();
            case UINT8 -> in.get() & 0xff;
            case BOOL -> in.get() != 0 ? 1f : 0f;
        };
    }
}
