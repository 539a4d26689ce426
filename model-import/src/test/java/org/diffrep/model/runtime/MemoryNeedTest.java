package org.diffrep.model.runtime;

import org.diffrep.common.UserInputException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemoryNeedTest {

    private static final long MIB = 1 << 20;

    @Test
    void aRequestOverTheHeapNamesEstimateLimitAndBothWaysOut() {
        MemoryNeed need = new MemoryNeed("kNN of 9 queries", 300 * MIB, 10 * MIB, 1000);
        assertThatThrownBy(() -> need.requireFits(new MemoryNeed.Limits(256 * MIB, 4096 * MIB, true), "--limit-eval"))
                .isInstanceOf(UserInputException.class)
                .hasMessage("kNN of 9 queries needs about 300.0 MiB of Java heap, more than the 256.0 MiB this JVM may use (-Xmx):"
                        + " lower --limit-eval, or raise the heap with DIFFREP_JAVA_OPTS=\"-Xmx<size> ...\"");
    }

    @Test
    void aRequestOverTheResidentSetCapNamesTheCapAndItsVariable() {
        MemoryNeed need = new MemoryNeed("CKA", 100 * MIB, 200 * MIB, 1000);
        assertThatThrownBy(() -> need.requireFits(new MemoryNeed.Limits(256 * MIB, 256 * MIB, true), "--samples"))
                .hasMessage("CKA needs about 300.0 MiB of memory (100.0 MiB Java heap, 200.0 MiB native), more than the resident-set cap"
                        + " of 256.0 MiB (DIFFREP_MAX_RSS): lower --samples, or raise DIFFREP_MAX_RSS=<size>");
        assertThatThrownBy(() -> need.requireFits(new MemoryNeed.Limits(256 * MIB, 256 * MIB, false), "--samples"))
                .hasMessageContaining("more than the machine's 256.0 MiB: lower --samples").hasMessageNotContaining("DIFFREP_MAX_RSS");
    }

    @Test
    void anArrayLongerThanJavaAllowsIsRefusedWhateverTheLimits() {
        MemoryNeed need = new MemoryNeed("CKA on 50,000 images", 0, 0, 2_500_000_000L);
        assertThatThrownBy(() -> need.requireFits(new MemoryNeed.Limits(Long.MAX_VALUE, Long.MAX_VALUE, false), "--samples"))
                .hasMessageContaining("needs an array of 2,500,000,000 values, more than a Java array holds (2,147,483,639)");
    }

    @Test
    void whatFitsPassesAndSizesSaturateInsteadOfWrappingAround() {
        assertThatCode(() -> new MemoryNeed("small", MIB, MIB, 10).requireFits(new MemoryNeed.Limits(2 * MIB, 2 * MIB, true), "x"))
                .doesNotThrowAnyException();
        assertThat(MemoryNeed.product(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(MemoryNeed.sum(Long.MAX_VALUE - 1, 5)).isEqualTo(Long.MAX_VALUE);
        assertThat(MemoryNeed.product(3, 4, 5)).isEqualTo(60);
    }

    @Test
    void thisProcessesLimitsAreItsHeapAndACapOrTheMachinesMemory() {
        MemoryNeed.Limits l = MemoryNeed.Limits.ofThisProcess();
        assertThat(l.heapBytes()).isEqualTo(Runtime.getRuntime().maxMemory());
        assertThat(l.residentBytes()).isPositive();
    }
}
