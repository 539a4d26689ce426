package org.diffrep.model.unet;

import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.verify.BlockVerifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** Block parity with guided-diffusion on the adm-tiny fixture (tolerance: see {@link BlockVerifier}). */
class UNetParityTest {

    static Path fixture;
    static AdmUNet net;

    @BeforeAll
    static void build() throws Exception {
        fixture = AdmConfigsTest.resource("adm-tiny");
        Map<String, INDArray> weights = Fixtures.npz(fixture.resolve("model.npz"));
        net = AdmUNet.builder(AdmConfigs.get("adm-tiny")).setWeights(weights::get).build();
    }

    @Test
    void everyBlockAtEveryTimestepMatchesTheReference() throws Exception {
        List<BlockVerifier.Comparison> results = new BlockVerifier(net, DiffusionSchedule.linear1000(), Fixtures::npz,
                BlockVerifier.DEFAULT_TOLERANCE).verify(fixture);
        assertThat(results).allSatisfy(c -> assertThat(c.ok()).as("%s %s rel %.3g", c.file(), c.key(), c.relToMax()).isTrue());
        // 4 single-t files x (xt + 37 blocks + out), batch2 (xt + its small blocks + out), 3 pooled
        Set<String> checked = new TreeSet<>();
        results.forEach(c -> checked.add(c.file() + ":" + c.key().replaceAll("_tl\\d+", "")));
        for (String f : List.of("blocks_t0.npz", "blocks_t50.npz", "blocks_t150.npz", "blocks_t999.npz")) {
            for (int b = 1; b <= 37; b++) assertThat(checked).contains(f + ":b" + String.format("%02d", b));
            assertThat(checked).contains(f + ":out", f + ":xt (q_sample)");
        }
        assertThat(checked).contains("batch2.npz:out", "pooled.npz:p19 (avg:2)", "pooled.npz:p24 (avg:2)", "pooled.npz:p30 (avg:2)");
    }

    @Test
    void theVerifierFailsWhenAWeightIsPerturbed() throws Exception {
        Map<String, INDArray> weights = Fixtures.npz(fixture.resolve("model.npz"));
        weights.get("output_blocks.4.1.proj_out.bias").addi(0.5);
        AdmUNet broken = AdmUNet.builder(AdmConfigs.get("adm-tiny")).setWeights(weights::get).build();
        List<BlockVerifier.Comparison> results = new BlockVerifier(broken, DiffusionSchedule.linear1000(), Fixtures::npz,
                BlockVerifier.DEFAULT_TOLERANCE).verify(fixture);
        assertThat(results.stream().filter(c -> !c.ok()).map(BlockVerifier.Comparison::key))
                .contains("b24", "b25", "out").doesNotContain("b23", "b19", "b01_tl6", "xt (q_sample)");
    }

    @Test
    void earlyExitExecutesNothingAfterTheDeepestRequestedBlock() {
        List<String> inputsSeen = new ArrayList<>();
        BaseListener spy = new BaseListener() {
            @Override
            public boolean isActive(Operation operation) {
                return true;
            }

            @Override
            public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx, INDArray[] outputs) {
                inputsSeen.addAll(op.getInputsToOp() == null ? List.of() : op.getInputsToOp());
            }
        };
        SameDiff sd = net.sameDiff();
        sd.addListeners(spy);
        try {
            net.blocks(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 64, 64),
                    Nd4j.createFromArray(new float[]{150}), 12, 19);
        } finally {
            sd.getListeners().remove(spy);
        }
        assertThat(inputsSeen).anyMatch(n -> n.startsWith("middle_block.2."))
                .anyMatch(n -> n.startsWith("input_blocks.11."))
                .noneMatch(n -> n.startsWith("output_blocks."))
                .noneMatch(n -> n.startsWith("out."));
    }

    @Test
    void aGraphBuiltUpToABlockHasNoLaterParameters() {
        Map<String, INDArray> weights;
        try {
            weights = Fixtures.npz(fixture.resolve("model.npz"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        AdmUNet partial = AdmUNet.builder(AdmConfigs.get("adm-tiny")).setWeights(weights::get).optUpToBlock(24).build();
        assertThat(partial.parameterNames()).contains("output_blocks.4.1.qkv.weight").noneMatch(k -> k.startsWith("output_blocks.5."));
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 64, 64);
        INDArray t = Nd4j.createFromArray(new float[]{10, 500});
        assertThat(partial.blocks(x, t, 24).get(24)).isEqualTo(net.blocks(x, t, 24).get(24));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> partial.blocks(x, t, 25)).hasMessageContaining("built up to block 24");
    }
}
