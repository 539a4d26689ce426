package org.diffrep.model.features;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PoolingTest {

    /** [1, 2, 5, 5] with value 100*c + 10*row + col. */
    static INDArray ramp() {
        INDArray x = Nd4j.create(DataType.FLOAT, 1, 2, 5, 5);
        for (int c = 0; c < 2; c++) for (int r = 0; r < 5; r++) for (int q = 0; q < 5; q++) x.putScalar(new int[]{0, c, r, q}, 100 * c + 10 * r + q);
        return x;
    }

    @Test
    void adaptiveAveragePoolingUsesPyTorchsOverlappingCellsAndChannelMajorOrder() {
        // 5 -> 2: cells cover rows/cols [0, 3) and [2, 5), as torch's AdaptiveAvgPool2d
        INDArray p = Pooling.avg(2).apply(ramp());
        assertThat(p.shape()).containsExactly(1, 8);
        assertThat(p.getFloat(0, 0)).isCloseTo(11f, within(1e-5f));       // c0 (0,0): mean row 1, col 1
        assertThat(p.getFloat(0, 1)).isCloseTo(13f, within(1e-5f));       // c0 (0,1): col mean 3
        assertThat(p.getFloat(0, 2)).isCloseTo(31f, within(1e-5f));       // c0 (1,0)
        assertThat(p.getFloat(0, 7)).isCloseTo(133f, within(1e-5f));      // c1 (1,1)
        assertThat(Pooling.max(2).apply(ramp()).getFloat(0, 4)).isEqualTo(122f);
        assertThat(Pooling.parse("global").apply(ramp()).getFloat(0, 1)).isCloseTo(122f, within(1e-4f));
        assertThat(Pooling.NONE.apply(ramp()).shape()).containsExactly(1, 50);
    }

    @Test
    void theGraphVersionEqualsTheArrayVersion() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 4, 6, 6);
        for (String spec : new String[]{"avg:2", "max:4", "global", "avg:4", "none"}) {
            Pooling pooling = Pooling.parse(spec);
            SameDiff sd = SameDiff.create();
            SDVariable in = sd.placeHolder("in", DataType.FLOAT, -1, 4, 6, 6);
            SDVariable out = pooling.apply(sd, in, 4, 6);
            INDArray graph = sd.output(java.util.Map.of("in", x), out.name()).get(out.name());
            assertThat(graph.equalsWithEps(pooling.apply(x), 1e-5)).as(spec).isTrue();
            assertThat(graph.size(1)).isEqualTo(pooling.featureLength(4, 6));
        }
    }

    @Test
    void specsParseAndBadOnesAreExplained() {
        assertThat(Pooling.parse("avg:2")).isEqualTo(Pooling.avg(2));
        assertThat(Pooling.parse("MAX:1")).isEqualTo(Pooling.max(1));
        assertThat(Pooling.parse(Pooling.avg(4).toString())).isEqualTo(Pooling.avg(4));
        assertThatThrownBy(() -> Pooling.parse("mean:2")).hasMessageContaining("avg:K, max:K, global");
        assertThatThrownBy(() -> Pooling.parse("avg:0")).hasMessageContaining(">= 1");
    }
}
