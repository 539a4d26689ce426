package org.diffrep.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateDictCheckTest {

    /** module.pt holds a Conv2d(3, 4, 3) and a BatchNorm2d(4). */
    private static LinkedHashMap<String, long[]> otherConfig() {
        LinkedHashMap<String, long[]> expected = new LinkedHashMap<>();
        expected.put("0.weight", new long[] {8, 3, 3, 3});
        expected.put("0.bias", new long[] {4});
        expected.put("1.weight", new long[] {4});
        expected.put("1.bias", new long[] {4});
        expected.put("1.running_mean", new long[] {4});
        expected.put("1.running_var", new long[] {5});
        expected.put("2.weight", new long[] {10, 4});
        return expected;
    }

    @Test
    void listsMissingUnexpectedAndWrongShapeKeys() {
        try (StateDict sd = Checkpoints.read(Fixtures.resource("checkpoint/module.pt"))) {
            StateDictCheck.Result r = StateDictCheck.compare(sd, otherConfig());
            assertThat(r.matches()).isFalse();
            assertThat(r.missing()).extracting(StateDictCheck.Mismatch::key).containsExactly("2.weight");
            assertThat(r.unexpected()).extracting(StateDictCheck.Mismatch::key).containsExactly("1.num_batches_tracked");
            assertThat(r.wrongShape()).extracting(StateDictCheck.Mismatch::toString).containsExactly(
                    "wrong shape 0.weight: expected 8x3x3x3, actual 4x3x3x3",
                    "wrong shape 1.running_var: expected 5, actual 4");
            assertThat(r.summary()).isEqualTo("1 missing, 1 unexpected, 2 wrong-shape");
        }
    }

    @Test
    void requireMatchNamesEveryMismatchWithBothShapes() {
        try (StateDict sd = Checkpoints.read(Fixtures.resource("checkpoint/module.pt"))) {
            assertThatThrownBy(() -> StateDictCheck.requireMatch(sd, otherConfig(), "my-config"))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("does not fit config my-config (1 missing, 1 unexpected, 2 wrong-shape tensors)")
                    .hasMessageContaining("missing 2.weight (expected 10x4)")
                    .hasMessageContaining("unexpected 1.num_batches_tracked (())")
                    .hasMessageContaining("wrong shape 0.weight: expected 8x3x3x3, actual 4x3x3x3")
                    .hasMessageContaining("wrong shape 1.running_var: expected 5, actual 4");
        }
    }

    @Test
    void matchingLayoutPasses() {
        try (StateDict sd = Checkpoints.read(Fixtures.resource("checkpoint/module.pt"))) {
            LinkedHashMap<String, long[]> expected = new LinkedHashMap<>();
            sd.keys().forEach(k -> expected.put(k, sd.shape(k)));
            StateDictCheck.requireMatch(sd, expected, "exact");
            assertThat(StateDictCheck.compare(sd.tensors(), expected).all()).isEmpty();
        }
    }

    @Test
    void worksOnALayoutReadWithoutData() {
        List<TensorInfo> layout = Checkpoints.describe(Fixtures.resource("checkpoint/module.pt"));
        assertThat(StateDictCheck.compare(layout, otherConfig()).wrongShape()).hasSize(2);
    }
}
