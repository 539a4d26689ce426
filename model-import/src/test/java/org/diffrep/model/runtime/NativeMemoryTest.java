package org.diffrep.model.runtime;

import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
}
