package org.diffrep.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    @Test
    void float16KnownValues() {
        assertThat(HalfFloats.float16ToFloat((short) 0x3c00)).isEqualTo(1.0f);
        assertThat(HalfFloats.float16ToFloat((short) 0xc000)).isEqualTo(-2.0f);
        assertThat(HalfFloats.float16ToFloat((short) 0x7bff)).isEqualTo(65504.0f);
        assertThat(HalfFloats.float16ToFloat((short) 0x0400)).isEqualTo(0x1p-14f);
        assertThat(HalfFloats.float16ToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(HalfFloats.float16ToFloat((short) 0x03ff)).isEqualTo(1023 * 0x1p-24f);
        assertThat(HalfFloats.float16ToFloat((short) 0x3555)).isEqualTo(0.333251953125f);
        assertThat(Float.floatToRawIntBits(HalfFloats.float16ToFloat((short) 0x8000))).isEqualTo(0x80000000);
        assertThat(HalfFloats.float16ToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(HalfFloats.float16ToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(HalfFloats.float16ToFloat((short) 0x7e00))).isEqualTo(0x7fc00000);
        assertThat(Float.floatToRawIntBits(HalfFloats.float16ToFloat((short) 0xfc01))).isEqualTo(0xffc02000);
    }

    /** Every finite pattern against sign * 2^(e-15) * (1 + m/1024), or m * 2^-24 for subnormals. */
    @Test
    void float16AllFinitePatternsExact() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int e = (bits >>> 10) & 0x1f;
            if (e == 0x1f) {
                continue;
            }
            int m = bits & 0x3ff;
            double magnitude = e == 0 ? m * Math.pow(2, -24) : Math.pow(2, e - 15) * (1 + m / 1024.0);
            double expected = (bits & 0x8000) != 0 ? -magnitude : magnitude;
            assertThat((double) HalfFloats.float16ToFloat((short) bits)).as("0x%04x", bits).isEqualTo(expected);
        }
    }

    @Test
    void bfloat16KnownValues() {
        assertThat(HalfFloats.bfloat16ToFloat((short) 0x3f80)).isEqualTo(1.0f);
        assertThat(HalfFloats.bfloat16ToFloat((short) 0xc049)).isEqualTo(-3.140625f);
        assertThat(HalfFloats.bfloat16ToFloat((short) 0x7f7f)).isEqualTo(3.3895314e38f);
        assertThat(HalfFloats.bfloat16ToFloat((short) 0x0001)).isEqualTo(Float.intBitsToFloat(0x00010000));
        assertThat(HalfFloats.bfloat16ToFloat((short) 0xff80)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(HalfFloats.bfloat16ToFloat((short) 0x7fc0)).isNaN();
    }
}
