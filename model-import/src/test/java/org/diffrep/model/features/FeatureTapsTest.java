package org.diffrep.model.features;

import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FeatureTapsTest {

    static AdmUNet net;

    @BeforeAll
    static void build() throws Exception {
        Path weights = Path.of(FeatureTapsTest.class.getResource("/adm-tiny/model.pt").toURI());
        net = AdmUNet.builder(AdmConfigs.get("adm-tiny")).setWeights(Checkpoints.read(weights)).build();
    }

    static INDArray images(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, 3, 64, 64).muli(2).subi(1);
    }

    @Test
    void stackingSeveralTimestepsInOneForwardGivesTheSameFeaturesAsOneForwardPerT() {
        INDArray x0 = images(2, 1);
        long[] ids = {10, 11};
        Map<Tap, INDArray> stacked = new FeatureTaps(net, DiffusionSchedule.linear1000())
                .extract(x0, ids, FeatureTaps.grid(List.of(50, 150, 400), List.of(24, 12)));
        Map<Tap, INDArray> separate = new FeatureTaps(net, DiffusionSchedule.linear1000()).optMaxBatch(2)
                .extract(x0, ids, FeatureTaps.grid(List.of(50, 150, 400), List.of(24, 12)));
        assertThat(stacked.keySet()).containsExactlyElementsOf(separate.keySet());
        assertThat(stacked.keySet()).first().isEqualTo(new Tap(50, 12));
        stacked.forEach((tap, f) -> assertThat(f.equalsWithEps(separate.get(tap), 1e-4)).as(tap.toString()).isTrue());
        assertThat(stacked.get(new Tap(150, 24)).shape()).containsExactly(2, 32, 4, 4);
    }

    @Test
    void perImageNoiseDoesNotDependOnTheBatchAnImageIsIn() {
        INDArray x0 = images(3, 2);
        FeatureTaps taps = new FeatureTaps(net, DiffusionSchedule.linear1000()).optNoise(NoiseSource.perImage(7));
        INDArray inBatch = taps.extract(x0, new long[]{5, 6, 7}, List.of(new Tap(150, 19)), b -> Pooling.avg(2))
                .get(new Tap(150, 19));
        INDArray alone = taps.extract(x0.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2)), new long[]{6},
                List.of(new Tap(150, 19)), b -> Pooling.avg(2)).get(new Tap(150, 19));
        assertThat(alone.reshape(1, -1).getRow(0).equalsWithEps(inBatch.reshape(3, -1).getRow(1), 1e-4)).isTrue();
        assertThat(inBatch.shape()).containsExactly(3, 32, 2, 2);
        assertThat(taps.shape(19, Pooling.avg(2))).isEqualTo(new TapShape(32, 2));
    }

    @Test
    void freshNoiseChangesFromCallToCallPerImageNoiseDoesNot() {
        long[] shape = {3, 4, 4};
        NoiseSource fresh = NoiseSource.fresh(1);
        assertThat(fresh.noise(shape, new long[]{0}, 10)).isNotEqualTo(fresh.noise(shape, new long[]{0}, 10));
        NoiseSource fixed = NoiseSource.perImage(1);
        assertThat(fixed.noise(shape, new long[]{0}, 10)).isEqualTo(fixed.noise(shape, new long[]{0}, 10));
        assertThat(fixed.noise(shape, new long[]{0}, 10)).isNotEqualTo(fixed.noise(shape, new long[]{0}, 11));
        INDArray many = fixed.noise(new long[]{3, 64, 64}, new long[]{1, 2, 3, 4}, 5);
        assertThat(many.meanNumber().doubleValue()).isCloseTo(0, org.assertj.core.api.Assertions.within(0.02));
        assertThat(many.stdNumber().doubleValue()).isCloseTo(1, org.assertj.core.api.Assertions.within(0.02));
    }
}
