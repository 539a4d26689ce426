package org.diffrep.model.unet;

import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A trainable U-Net (pre-training, fine-tuning) computes the frozen graph's outputs and has gradients for every parameter. */
class TrainableUNetTest {

    @Test
    void everyParameterGetsAGradientAndTheForwardIsUnchanged() throws Exception {
        StateDict weights = Checkpoints.read(Path.of(getClass().getResource("/adm-tiny/model.npz").toURI()));
        AdmConfig tiny = AdmConfigs.get("adm-tiny");
        AdmUNet frozen = AdmUNet.builder(tiny).setWeights(weights).build();
        AdmUNet trainable = AdmUNet.builder(tiny).setWeights(weights).optTrainable(true).build();

        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64);
        INDArray t = Nd4j.createFromArray(new float[]{20, 700});
        assertThat(trainable.forward(x, t).equalsWithEps(frozen.forward(x, t), 1e-5)).isTrue();

        SameDiff sd = trainable.sameDiff();
        SDVariable out = sd.getVariable(AdmUNet.OUTPUT);
        SDVariable loss = out.mul(out).mean();
        sd.setLossVariables(loss);
        Map<String, INDArray> grads = sd.calculateGradients(trainable.placeholders(x, t), trainable.parameterNames());
        assertThat(grads.keySet()).containsExactlyInAnyOrderElementsOf(trainable.parameterNames());
        assertThat(grads.get("input_blocks.0.0.weight").amaxNumber().doubleValue()).isPositive();
        assertThat(grads.get("middle_block.1.qkv.weight").amaxNumber().doubleValue()).isPositive();
        assertThat(grads.get("output_blocks.17.0.skip_connection.weight").amaxNumber().doubleValue()).isPositive();
    }
}
