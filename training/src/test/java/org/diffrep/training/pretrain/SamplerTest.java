package org.diffrep.training.pretrain;

import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.unet.AdmUNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

class SamplerTest {

    @TempDir
    Path dir;

    private static Sampler sampler() {
        DdpmTrainer trainer = DdpmTrainer.create(TinyImages.config(), new TinyImages(),
                new DdpmTrainer.Options(8, 1e-2, 2, 1.0, 0.999, 3));
        // a few steps so the output convs are no longer zero and ε̂ depends on the input
        for (int i = 0; i < 3; i++) trainer.trainStep();
        AdmUNet net = AdmUNet.builder(TinyImages.config()).setWeights(trainer.emaWeights()::get).build();
        return new Sampler(net, DiffusionSchedule.linear(50));
    }

    @Test
    void theSameSeedGivesTheSameImagesAndAnotherSeedOthers() {
        Sampler s = sampler();
        for (Sampler.Method m : Sampler.Method.values()) {
            INDArray a = s.sample(3, m, 5, 1.0, 42, i -> { });
            INDArray b = s.sample(3, m, 5, 1.0, 42, i -> { });
            INDArray c = s.sample(3, m, 5, 1.0, 43, i -> { });
            assertThat(a.shape()).containsExactly(3, 1, TinyImages.SIDE, TinyImages.SIDE);
            assertThat(a.data().asFloat()).as(m.name()).containsExactly(b.data().asFloat());
            assertThat(a.equalsWithEps(c, 1e-3)).as(m.name()).isFalse();
            assertThat(a.maxNumber().doubleValue()).as(m.name()).isLessThanOrEqualTo(1.0 + 1e-5);
            assertThat(a.minNumber().doubleValue()).as(m.name()).isGreaterThanOrEqualTo(-1.0 - 1e-5);
        }
    }

    /** The paper's model predicts [ε | σ] (learn_sigma): sampling reads ε from the first half, as on adm-tiny's 6 output channels. */
    @Test
    void samplesFromALearnedVarianceModel() {
        AdmUNet net = AdmUNet.builder(org.diffrep.model.unet.AdmConfigs.get("adm-tiny")).optRandomWeights(7).build();
        assertThat(net.config().outChannels()).isEqualTo(2 * net.config().inChannels());
        INDArray a = new Sampler(net, DiffusionSchedule.linear(50)).sample(1, Sampler.Method.DDIM, 2, 0.0, 5, i -> { });
        assertThat(a.shape()).containsExactly(1, 3, 64, 64);
        assertThat(a.maxNumber().doubleValue()).isLessThanOrEqualTo(1.0 + 1e-5);
        assertThat(a.minNumber().doubleValue()).isGreaterThanOrEqualTo(-1.0 - 1e-5);
        assertThat(Double.isFinite(a.sumNumber().doubleValue())).isTrue();
    }

    @Test
    void theNoiseOfALearnedVarianceOutputIsItsFirstHalf() {
        INDArray out = Nd4j.arange(2 * 6 * 2 * 2).reshape(2, 6, 2, 2).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        INDArray eps = Sampler.epsilon(out, 3);
        assertThat(eps.shape()).containsExactly(2, 3, 2, 2);
        assertThat(eps.getFloat(1, 2, 1, 1)).isEqualTo(out.getFloat(1, 2, 1, 1));
        assertThat(Sampler.epsilon(eps, 3)).isSameAs(eps);
    }

    @Test
    void ddimUsesEvenlySpacedStepsFromZero() {
        assertThat(Sampler.ddimSequence(1000, 4)).containsExactly(0, 250, 500, 750);
        assertThat(Sampler.ddimSequence(20, 20)).hasSize(20);
    }

    @Test
    void writesAGridPng() throws Exception {
        INDArray images = sampler().sample(6, Sampler.Method.DDIM, 4, 0.0, 1, i -> { });
        Path png = dir.resolve("grid.png");
        ImageGrid.write(images, 3, 2, png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(3 * (TinyImages.SIDE * 2 + 2) + 2);
        assertThat(img.getHeight()).isEqualTo(2 * (TinyImages.SIDE * 2 + 2) + 2);
    }
}
