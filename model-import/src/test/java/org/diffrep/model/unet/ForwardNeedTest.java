package org.diffrep.model.unet;

import org.diffrep.model.runtime.MemoryNeed;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The memory estimate of a U-Net forward: weights, plus activations that grow with the batch and with the decoder's skips. */
class ForwardNeedTest {

    private static final UNetLayout TINY = AdmConfigs.get("adm-tiny").layout();
    private static final long WEIGHTS = TINY.parameterCount() * Float.BYTES;

    private static long activations(long images, int upTo) {
        MemoryNeed need = TINY.forwardNeed(images, upTo);
        assertThat(need.heapBytes()).isZero();
        return need.nativeBytes() - WEIGHTS;
    }

    private static long output(int block) {
        UNetLayout.Block b = TINY.block(block);
        long side = b.side(TINY.config().imageSize());
        return b.outChannels() * side * side * Float.BYTES;
    }

    @Test
    void activationsGrowWithTheImagesAndTheWeightsDoNot() {
        int last = TINY.numBlocks();
        assertThat(activations(1, last)).isPositive();
        assertThat(activations(10, last)).isEqualTo(10 * activations(1, last));
        assertThat(TINY.forwardNeed(7, 1).nativeBytes()).isEqualTo(WEIGHTS + 7 * output(1));
    }

    @Test
    void theDecoderKeepsEveryInputBlockOutputAliveForItsSkipConnections() {
        int middle = TINY.middleBlock();
        long inputs = 0;
        for (int b = 1; b < middle; b++) inputs += output(b);
        // the first decoder block still waits for every input block's output (its own skip is the last one)
        assertThat(activations(1, TINY.numBlocks())).isGreaterThanOrEqualTo(inputs + output(middle) + output(middle + 1));
        // a forward that stops at the middle block frees them as it goes: two outputs at a time
        long largestPair = 0;
        for (int b = 2; b <= middle; b++) largestPair = Math.max(largestPair, output(b - 1) + output(b));
        assertThat(activations(1, middle)).isEqualTo(largestPair);
    }
}
