package org.diffrep.model.checkpoint;

/** Exact widening of IEEE binary16 and bfloat16 bit patterns (Java 17 has no Float.float16ToFloat). */
public final class HalfFloats {

    private HalfFloats() {}

    public static float float16ToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            // NaNs come out quiet with their payload, as from x86's vcvtph2ps, so results match torch bit for bit.
            return Float.intBitsToFloat(sign | (mantissa == 0 ? 0x7f800000 : 0x7fc00000) | (mantissa << 13));
        }
        if (exponent == 0) {
            // Subnormal (or zero): mantissa * 2^-24 is exact in float32.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
    }

    /** bfloat16 is the upper half of a float32, so widening is a shift. */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
}
