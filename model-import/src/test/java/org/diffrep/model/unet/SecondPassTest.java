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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Two passes of one frozen U-Net in one graph, the second modified by a block hook (DifFeed's shape). */
class SecondPassTest {

    @Test
    void aHookedSecondPassSharesWeightsAndGradientsFlowThroughTheFrozenBackbone() throws Exception {
        StateDict weights = Checkpoints.read(Path.of(getClass().getResource("/adm-tiny/model.npz").toURI()));
        AdmConfig tiny = AdmConfigs.get("adm-tiny");
        AdmUNet first = AdmUNet.builder(tiny).setWeights(weights).optUpToBlock(24).optGradientsThroughBackbone(true).build();
        SameDiff sd = first.sameDiff();
        java.util.Set<String> constantsAfterFirst = new java.util.HashSet<>();
        sd.constants().forEach(c -> constantsAfterFirst.add(c.name()));

        SDVariable feedback = sd.var("feedback", Nd4j.zeros(DataType.FLOAT, 1, 32, 1, 1));
        AdmUNet second = AdmUNet.builder(tiny).setWeights(weights).optUpToBlock(24).optGradientsThroughBackbone(true)
                .optSameDiff(sd).optInputs(first.input(), first.timesteps()).optBlockNamePrefix("pass2_")
                .optBlockHook((b, h) -> b == 5 ? h.add(feedback) : h)
                .build();
        assertThat(sd.constants()).filteredOn(c -> !constantsAfterFirst.contains(c.name()))
                .as("weights are shared, not copied").noneMatch(c -> c.name().contains(".weight") || c.name().contains(".bias"));
        assertThat(second.blockVariableName(24)).isEqualTo("pass2_block_24");

        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64);
        INDArray t = Nd4j.createFromArray(new float[]{30, 300});
        Map<String, INDArray> ph = first.placeholders(x, t);
        // zero feedback: the second pass reproduces the first
        assertThat(second.blocks(x, t, 24).get(24)).isEqualTo(first.blocks(x, t, 24).get(24));

        sd.getVariable("feedback").getArr().assign(0.5);
        Map<String, INDArray> out = sd.output(ph, first.blockVariableName(4), second.blockVariableName(4),
                first.blockVariableName(24), second.blockVariableName(24));
        assertThat(out.get(second.blockVariableName(4))).isEqualTo(out.get(first.blockVariableName(4)));
        assertThat(out.get(second.blockVariableName(24))).isNotEqualTo(out.get(first.blockVariableName(24)));

        SDVariable loss = second.block(24).mul(second.block(24)).mean();
        sd.setLossVariables(loss);
        Map<String, INDArray> grads = sd.calculateGradients(ph, List.of("feedback"));
        assertThat(grads.get("feedback").amaxNumber().doubleValue()).isPositive();
    }
}
