package org.diffrep.training.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class FeatureStatisticsTest {

    @Test
    void unevenBatchesGiveTheWholeSplitsMeanAndStd() {
        Nd4j.getRandom().setSeed(3);
        // a large offset is where a naive sum of squares loses precision
        INDArray all = Nd4j.randn(DataType.DOUBLE, 37, 3, 2, 2).muli(0.5).addi(1000);
        FeatureStatistics s = new FeatureStatistics();
        int[] cuts = {0, 1, 11, 12, 30, 37};
        for (int i = 0; i + 1 < cuts.length; i++) {
            s.add(all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(cuts[i], cuts[i + 1])).castTo(DataType.FLOAT));
        }
        INDArray x = all.castTo(DataType.FLOAT).castTo(DataType.DOUBLE).reshape(37, 12);
        double[] mean = x.mean(0).toDoubleVector();
        double[] std = x.std(false, 0).toDoubleVector();
        assertThat(s.count()).isEqualTo(37);
        assertThat(s.mean().shape()).containsExactly(3, 2, 2);
        double[] gotMean = s.mean().castTo(DataType.DOUBLE).reshape(12).toDoubleVector();
        double[] gotStd = s.std().castTo(DataType.DOUBLE).reshape(12).toDoubleVector();
        for (int j = 0; j < 12; j++) {
            assertThat(gotMean[j]).isCloseTo(mean[j], within(1e-3));
            assertThat(gotStd[j]).isCloseTo(std[j] + FeatureStatistics.EPSILON, within(1e-5));
        }
    }

    @Test
    void constantFeatureGetsEpsilonAndMismatchedShapesAreRefused() {
        FeatureStatistics s = new FeatureStatistics().add(Nd4j.ones(DataType.FLOAT, 4, 2));
        for (double v : s.std().toDoubleVector()) assertThat(v).isCloseTo(FeatureStatistics.EPSILON, within(1e-12));
        assertThatThrownBy(() -> s.add(Nd4j.ones(DataType.FLOAT, 4, 3))).hasMessageContaining("[3]").hasMessageContaining("[2]");
        assertThatThrownBy(() -> new FeatureStatistics().mean()).hasMessageContaining("no samples");
    }
}
