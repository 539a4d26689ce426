package org.diffrep.model.runtime;

import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class NativeMemoryTest {

    /** Runs the graph on a fresh thread, so its session is created under the property as it is now. */
    private static String policyOfAFreshSession(AdmUNet net) throws InterruptedException {
        AtomicReference<String> policy = new AtomicReference<>();
        Thread t = new Thread(() -> {
            INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 64, 64);
            net.blocks(x, Nd4j.createFromArray(150f), 2);
            policy.set(NativeMemory.releasePolicy(net.sameDiff()));
        });
        t.start();
        t.join();
        return policy.get();
    }

    @Test
    void builtUNetsCloseEveryIntermediateArrayAsSoonAsTheGraphIsDoneWithIt() throws Exception {
        String before = System.getProperty(NativeMemory.SAMEDIFF_ARRAY_CACHE);
        try {
            System.clearProperty(NativeMemory.SAMEDIFF_ARRAY_CACHE);
            AdmUNet net = AdmUNet.builder(AdmConfigs.get("adm-tiny")).optUpToBlock(2).optRandomWeights(0).build();
            assertThat(NativeMemory.releasePolicy(net.sameDiff())).isEqualTo("no session yet");
            assertThat(policyOfAFreshSession(net)).isEqualTo("close at once");

            // what ND4J does without diffrep's setting: the cache, sized from JavaCPP's maxBytes
            System.setProperty(NativeMemory.SAMEDIFF_ARRAY_CACHE, "true");
            assertThat(policyOfAFreshSession(net)).startsWith("cache up to");
        } finally {
            if (before == null) System.clearProperty(NativeMemory.SAMEDIFF_ARRAY_CACHE);
            else System.setProperty(NativeMemory.SAMEDIFF_ARRAY_CACHE, before);
        }
    }

    @Test
    void javaCppRefusingMemoryOverTheCapIsExplainedWithTheVariableThatRaisesIt() {
        OutOfMemoryError refused = new OutOfMemoryError("Physical memory usage is too high: physicalBytes (2513M) > maxPhysicalBytes (2400M)");
        RuntimeException wrapped = new RuntimeException("Op [conv2d] execution failed", refused);
        assertThat(NativeMemory.explain(wrapped)).hasValueSatisfying(m -> assertThat(m)
                .contains("DIFFREP_MAX_RSS").contains(NativeMemory.MAX_RSS_PROPERTY).contains("2513M"));
        assertThat(NativeMemory.explain(new OutOfMemoryError("Java heap space"))).isEmpty();
        assertThat(NativeMemory.explain(new IllegalStateException("x"))).isEmpty();
    }

    private record Step(Map<String, float[]> gradients, TrainingStep.Usage memory) {}

    /** One gradient computation of a trainable adm-tiny, and what a second one holds in memory. */
    private static Step gradientStep(boolean release) {
        AdmUNet net = AdmUNet.builder(AdmConfigs.get("adm-tiny")).optTrainable(true).optRandomWeights(3).build();
        SameDiff sd = net.sameDiff();
        sd.math().square(sd.getVariable(AdmUNet.OUTPUT)).mean().rename("loss");
        sd.setLossVariables("loss");
        List<String> params = new ArrayList<>(net.parameterNames());
        if (release) TrainingStep.prepare(sd, params);
        else TrainingStep.createBackwardQuietly(sd, params);
        Map<String, INDArray> ph = net.placeholders(Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64), Nd4j.createFromArray(10, 600));
        Map<String, INDArray> grads = sd.calculateGradientsAndOutputs(ph, List.of("loss"), params).getGradients();
        Map<String, float[]> copy = new TreeMap<>();
        grads.forEach((k, g) -> copy.put(k, g.dup().data().asFloat()));
        return new Step(copy, TrainingStep.measure(sd, ph, List.of("loss"), params));
    }

    @Test
    void theBackwardPassReleasesWhatItNoLongerNeedsWithBitIdenticalGradients() {
        Nd4j.getRandom().setSeed(11);
        Step kept = gradientStep(false);
        Nd4j.getRandom().setSeed(11);
        Step released = gradientStep(true);
        // ND4J M2.1 alone: everything the backward pass allocates stays live until it ends
        assertThat(kept.memory().peakBytes()).isGreaterThan(kept.memory().allocatedBytes() * 9 / 10);
        assertThat(released.memory().allocatedBytes()).isEqualTo(kept.memory().allocatedBytes());
        // measured: 32% of it live at the peak (143 of 442 MB, adm-tiny, batch 2)
        assertThat(released.memory().peakBytes()).isLessThan(released.memory().allocatedBytes() / 2);
        assertThat(released.gradients().keySet()).isEqualTo(kept.gradients().keySet());
        released.gradients().forEach((k, g) -> assertThat(g).as(k).isEqualTo(kept.gradients().get(k)));
    }
}
