package org.diffrep.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Positive cases: the adm-tiny fixture and small torch/numpy files covering dtypes, views and layouts. */
class ReadersTest {

    private static final Path MODEL_PT = Fixtures.resource("adm-tiny/model.pt");
    private static StateDict tinyPt;
    private static StateDict tinyNpz;

    @BeforeAll
    static void loadTiny() {
        tinyPt = Checkpoints.read(MODEL_PT);
        tinyNpz = Checkpoints.read(Fixtures.resource("adm-tiny/model.npz"));
    }

    @AfterAll
    static void free() {
        tinyPt.close();
        tinyNpz.close();
    }

    @Test
    void tinyTorchCheckpointHasTheFixtureKeysAndShapes() throws IOException {
        assertMatchesKeyList(tinyPt);
        assertThat(Checkpoints.format(MODEL_PT)).isEqualTo(Checkpoints.Format.TORCH_ZIP);
    }

    @Test
    void tinyNpzHasTheFixtureKeysAndShapes() throws IOException {
        assertMatchesKeyList(tinyNpz);
        assertThat(Checkpoints.format(Fixtures.resource("adm-tiny/model.npz"))).isEqualTo(Checkpoints.Format.NPZ);
    }

    private static void assertMatchesKeyList(StateDict sd) throws IOException {
        LinkedHashMap<String, long[]> expected = Fixtures.keyList(Fixtures.resource("adm-tiny/model_keys.tsv"));
        assertThat(sd.size()).isEqualTo(562);
        assertThat(sd.parameterCount()).isEqualTo(1_425_478L);
        assertThat(sd.totalBytes()).isEqualTo(4 * 1_425_478L);
        assertThat(sd.keys()).containsExactlyElementsOf(expected.keySet());
        for (String key : sd.keys()) {
            assertThat(sd.shape(key)).as(key).isEqualTo(expected.get(key));
            assertThat(sd.dtype(key)).as(key).isEqualTo("float32");
            INDArray a = sd.get(key);
            assertThat(a.dataType()).isEqualTo(DataType.FLOAT);
            assertThat(a.ordering()).isEqualTo('c');
        }
    }

    @Test
    void torchAndNpzReadersGiveBitIdenticalValues() {
        for (String key : tinyPt.keys()) {
            assertThat(bits(tinyNpz.get(key))).as(key).isEqualTo(bits(tinyPt.get(key)));
        }
    }

    @Test
    void describeGivesTheLayoutWithoutReadingData() {
        assertThat(Checkpoints.describe(MODEL_PT)).isEqualTo(tinyPt.tensors());
        assertThat(Checkpoints.describe(Fixtures.resource("adm-tiny/model.npz"))).isEqualTo(tinyNpz.tensors());
    }

    /** fp16 training saves every parameter as a view into two flat storages, at non-zero offsets. */
    @Test
    void flatStorageViewsEqualTheSameKeysOfModelPt() {
        try (StateDict flat = Checkpoints.read(Fixtures.resource("adm-tiny/model_flatstorage_subset.pt"))) {
            assertThat(flat.keys()).isNotEmpty().allMatch(tinyPt::contains)
                    .anyMatch(k -> k.startsWith("time_embed.")).anyMatch(k -> k.startsWith("input_blocks.0."))
                    .anyMatch(k -> k.startsWith("out."));
            for (String key : flat.keys()) {
                assertThat(flat.shape(key)).as(key).isEqualTo(tinyPt.shape(key));
                assertThat(bits(flat.get(key))).as(key).isEqualTo(bits(tinyPt.get(key)));
            }
        }
    }

    /** mixed.pt (see make_fixtures.py) against torch's own float32 conversion of each tensor. */
    @ParameterizedTest
    @ValueSource(strings = {"checkpoint/mixed.pt", "checkpoint/mixed_p4.pt"})
    void dtypesViewsAndScalarsMatchTorch(String file) {
        try (StateDict sd = Checkpoints.read(Fixtures.resource(file));
             StateDict ref = Checkpoints.read(Fixtures.resource("checkpoint/mixed_ref.npz"))) {
            assertThat(sd.keys()).containsExactly("conv.weight", "half", "bfloat", "double", "long", "lin.weight_T",
                    "view.slice", "row.expand", "flat.tail", "scalar", "empty");
            for (String key : sd.keys()) {
                assertThat(sd.shape(key)).as(key).isEqualTo(ref.shape(key));
                assertThat(bits(sd.get(key))).as(key).isEqualTo(bits(ref.get(key)));
            }
            assertThat(sd.dtype("half")).isEqualTo("float16");
            assertThat(sd.dtype("bfloat")).isEqualTo("bfloat16");
            assertThat(sd.dtype("double")).isEqualTo("float64");
            assertThat(sd.dtype("long")).isEqualTo("int64");
            assertThat(sd.dtype("conv.weight")).isEqualTo("float32");
            assertThat(sd.shape("scalar")).isEmpty();
            assertThat(sd.get("scalar").getFloat(0)).isEqualTo(2.5f);
            assertThat(sd.shape("empty")).containsExactly(0, 3);
            assertThat(sd.get("half").toFloatVector()).containsExactly(1f, -2f, 65504f, 0x1p-14f, 0x1p-24f, 0.333251953125f);
            assertThat(sd.get("lin.weight_T").ordering()).isEqualTo('c');
        }
    }

    @Test
    void everyHalfAndBfloat16PatternConvertsExactlyAsTorchDoes() {
        try (StateDict sd = Checkpoints.read(Fixtures.resource("checkpoint/all16.pt"));
             StateDict ref = Checkpoints.read(Fixtures.resource("checkpoint/all16_ref.npz"))) {
            assertThat(sd.get("f16").length()).isEqualTo(65536);
            assertThat(bits(sd.get("f16"))).isEqualTo(bits(ref.get("f16")));
            assertThat(bits(sd.get("bf16"))).isEqualTo(bits(ref.get("bf16")));
        }
    }

    /** A real nn.Module state_dict (with _metadata), saved through a file object and through a path. */
    @ParameterizedTest
    @ValueSource(strings = {"checkpoint/module.pt", "checkpoint/module_stem.pt"})
    void moduleStateDictWithMetadataAndEitherTopFolder(String file) {
        try (StateDict sd = Checkpoints.read(Fixtures.resource(file))) {
            assertThat(sd.keys()).containsExactly("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                    "1.running_var", "1.num_batches_tracked");
            assertThat(sd.shape("0.weight")).containsExactly(4, 3, 3, 3);
            assertThat(sd.dtype("1.num_batches_tracked")).isEqualTo("int64");
            assertThat(sd.shape("1.num_batches_tracked")).isEmpty();
            assertThat(sd.get("1.running_var").toFloatVector()).containsOnly(1f);
        }
    }

    /** savez_compressed: deflated entries, Fortran order, big-endian, bool, 0-d and empty arrays. */
    @Test
    void compressedNpzWithUnusualLayouts() {
        float[] arange = new float[24];
        for (int i = 0; i < arange.length; i++) {
            arange[i] = i;
        }
        try (StateDict sd = Checkpoints.read(Fixtures.resource("checkpoint/mixed_compressed.npz"));
             StateDict pt = Checkpoints.read(Fixtures.resource("checkpoint/mixed.pt"))) {
            assertThat(sd.shape("fortran")).containsExactly(2, 3, 4);
            assertThat(sd.get("fortran").ordering()).isEqualTo('c');
            assertThat(sd.get("fortran").data().asFloat()).containsExactly(arange);
            assertThat(sd.get("big_endian").data().asFloat()).containsExactly(arange);
            for (String key : List.of("half", "double", "long")) {
                assertThat(bits(sd.get(key))).as(key).isEqualTo(bits(pt.get(key)));
                assertThat(sd.dtype(key)).isEqualTo(pt.dtype(key));
            }
            assertThat(sd.get("flags").toFloatVector()).containsExactly(1f, 0f, 1f);
            assertThat(sd.dtype("flags")).isEqualTo("bool");
            assertThat(sd.shape("scalar")).isEmpty();
            assertThat(sd.get("scalar").getFloat(0)).isEqualTo(2.5f);
            assertThat(sd.shape("empty")).containsExactly(0, 3);
        }
    }

    @Test
    void readerClassesCanBeUsedDirectly() {
        assertThat(TorchZipReader.describe(MODEL_PT)).hasSize(562);
        assertThat(NpzReader.describe(Fixtures.resource("adm-tiny/model.npz"))).hasSize(562);
        try (StateDict sd = TorchZipReader.read(Fixtures.resource("checkpoint/module.pt"))) {
            assertThat(sd.size()).isEqualTo(7);
        }
    }

    private static List<Integer> bits(INDArray a) {
        List<Integer> out = new ArrayList<>();
        if (a.isEmpty()) {
            return out;
        }
        for (float f : a.dup('c').data().asFloat()) {
            out.add(Float.floatToRawIntBits(f));
        }
        return out;
    }
}
