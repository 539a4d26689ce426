package org.diffrep.model.diffusion;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class DiffusionScheduleTest {

    private final DiffusionSchedule schedule = DiffusionSchedule.linear1000();

    @Test
    void linearScheduleMatchesTheReferenceTable() {
        // docs/method.md §1 and the adm-tiny fixture's float64 coefficients (guided-diffusion, numpy)
        assertThat(schedule.beta(0)).isEqualTo(1e-4);
        assertThat(schedule.beta(999)).isCloseTo(0.02, within(1e-15));
        assertThat(schedule.beta(150)).isCloseTo(3.0880e-3, within(1e-7));
        assertThat(schedule.sqrtAlphaCumprod(0)).isCloseTo(0.9999499987499375, within(1e-15));
        assertThat(schedule.sqrtOneMinusAlphaCumprod(50)).isCloseTo(0.17334505013109144, within(1e-14));
        assertThat(schedule.sqrtAlphaCumprod(150)).isCloseTo(0.8865026926215105, within(1e-14));
        assertThat(schedule.sqrtOneMinusAlphaCumprod(999)).isCloseTo(0.99997982064757, within(1e-13));
        assertThat(schedule.alphaCumprod(999)).isCloseTo(4.0358e-5, within(1e-8));
    }

    @Test
    void qSampleMixesPerSampleWithItsOwnTimestep() {
        INDArray x0 = Nd4j.ones(DataType.FLOAT, 2, 1, 2, 2);
        INDArray eps = Nd4j.ones(DataType.FLOAT, 2, 1, 2, 2).muli(2);
        INDArray xt = schedule.qSample(x0, new int[]{0, 999}, eps);
        float first = (float) schedule.sqrtAlphaCumprod(0) + 2 * (float) schedule.sqrtOneMinusAlphaCumprod(0);
        float second = (float) schedule.sqrtAlphaCumprod(999) + 2 * (float) schedule.sqrtOneMinusAlphaCumprod(999);
        assertThat(xt.getFloat(0, 0, 1, 1)).isEqualTo(first);
        assertThat(xt.getFloat(1, 0, 0, 0)).isEqualTo(second);
    }

    @Test
    void badArgumentsAreNamed() {
        INDArray x = Nd4j.zeros(DataType.FLOAT, 2, 1, 2, 2);
        assertThatThrownBy(() -> schedule.qSample(x, new int[]{1}, x)).hasMessageContaining("one timestep per sample");
        assertThatThrownBy(() -> schedule.qSample(x, 1000, x)).hasMessageContaining("t=1000 is outside the diffusion steps 0..999");
        assertThatThrownBy(() -> schedule.qSample(x, 5, Nd4j.zeros(DataType.FLOAT, 2, 1, 3, 3))).hasMessageContaining("shapes differ");
    }
}
