package org.diffrep.model.unet;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

class RandomInitTest {

    @Test
    void followsGuidedDiffusionsInitAndIsSeeded() {
        AdmConfig tiny = AdmConfigs.get("adm-tiny");
        Function<String, INDArray> a = RandomInit.forConfig(tiny, 3);
        Function<String, INDArray> b = RandomInit.forConfig(tiny, 3);
        Function<String, INDArray> c = RandomInit.forConfig(tiny, 4);
        String conv = "input_blocks.1.0.in_layers.2.weight";
        assertThat(a.apply(conv)).isEqualTo(b.apply(conv)).isNotEqualTo(c.apply(conv));
        double bound = 1 / Math.sqrt(32 * 9);
        assertThat(a.apply(conv).amaxNumber().doubleValue()).isLessThanOrEqualTo(bound).isGreaterThan(bound * 0.9);
        for (String zero : new String[]{"input_blocks.1.0.out_layers.3.weight", "middle_block.1.proj_out.bias", "out.2.weight"}) {
            assertThat(a.apply(zero).amaxNumber().doubleValue()).as(zero).isZero();
        }
        assertThat(a.apply("out.0.weight").minNumber().doubleValue()).isEqualTo(1.0);
        assertThat(a.apply("middle_block.1.norm.bias").amaxNumber().doubleValue()).isZero();
        assertThat(tiny.expectedStateDict().keySet()).allSatisfy(k -> assertThat(a.apply(k)).as(k).isNotNull());
    }
}
