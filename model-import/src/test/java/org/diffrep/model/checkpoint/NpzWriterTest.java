package org.diffrep.model.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NpzWriterTest {

    @TempDir
    Path dir;

    @Test
    void checkpointsReadBackEveryArrayExactly() throws IOException {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put("input_blocks.0.0.weight", Nd4j.rand(DataType.FLOAT, 16, 1, 3, 3));
        arrays.put("input_blocks.0.0.bias", Nd4j.rand(DataType.FLOAT, 16));
        arrays.put("time_embed.0.weight", Nd4j.rand(DataType.DOUBLE, 64, 16));
        arrays.put("view", Nd4j.rand(DataType.FLOAT, 6, 5).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4)));
        arrays.put("fortran", Nd4j.rand(DataType.FLOAT, 'f', 3, 4));
        Path file = dir.resolve("weights.npz");

        NpzWriter.write(file, arrays);

        StateDict read = Checkpoints.read(file);
        assertThat(Checkpoints.format(file)).isEqualTo(Checkpoints.Format.NPZ);
        assertThat(read.keys()).containsExactlyElementsOf(arrays.keySet());
        arrays.forEach((k, a) -> {
            assertThat(read.shape(k)).containsExactly(a.shape());
            assertThat(read.dtype(k)).isEqualTo("float32");
            assertThat(read.get(k).equalsWithEps(a.castTo(DataType.FLOAT), 0)).as(k).isTrue();
        });
    }

    @Test
    void aFailedWriteLeavesThePreviousFileAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("ema.npz");
        Map<String, INDArray> good = Map.of("a", Nd4j.ones(DataType.FLOAT, 2, 2));
        NpzWriter.write(file, good);
        byte[] before = Files.readAllBytes(file);

        assertThatThrownBy(() -> NpzWriter.write(file, failingAfterFirstEntry()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("disk gone");

        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ema.npz");
        }
        assertThat(Checkpoints.read(file).get("a").sumNumber().doubleValue()).isEqualTo(4.0);
    }

    /** A map whose second entry cannot be produced, as if the source failed half-way through the write. */
    private static Map<String, INDArray> failingAfterFirstEntry() {
        return new AbstractMap<>() {
            @Override
            public Set<Entry<String, INDArray>> entrySet() {
                return new java.util.AbstractSet<>() {
                    @Override
                    public Iterator<Entry<String, INDArray>> iterator() {
                        return new Iterator<>() {
                            int i;

                            @Override
                            public boolean hasNext() {
                                return i < 2;
                            }

                            @Override
                            public Entry<String, INDArray> next() {
                                if (i++ == 0) return Map.entry("a", Nd4j.zeros(DataType.FLOAT, 100, 100));
                                throw new IllegalStateException("disk gone");
                            }
                        };
                    }

                    @Override
                    public int size() {
                        return 2;
                    }
                };
            }
        };
    }
}
