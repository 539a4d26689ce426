package org.diffrep.training.train;

import org.diffrep.common.UserInputException;
import org.diffrep.training.FullDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {

    @TempDir
    Path dir;

    static Checkpoint epoch(int epoch, int size) {
        return new Checkpoint("{\"epoch\":" + epoch + "}", Map.of("w", Nd4j.rand(1, size)));
    }

    @Test
    void aFullDiskKeepsTheLastGoodCheckpointAndSaysSoInOneLine() throws Exception {
        Path file = dir.resolve("checkpoint.bin");
        epoch(1, 100).write(file);
        byte[] good = Files.readAllBytes(file);

        assertThatThrownBy(() -> epoch(2, 10_000).write(file, new FullDisk(4096)))
                .isInstanceOf(UserInputException.class)
                .hasMessageContaining("could not write checkpoint " + file)
                .hasMessageContaining("No space left on device")
                .hasMessageContaining("the previous checkpoint there is intact")
                .hasMessageContaining("--resume")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(Files.readAllBytes(file)).isEqualTo(good);
        assertThat(Checkpoint.read(file).json()).isEqualTo("{\"epoch\":1}");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("checkpoint.bin");
        }
    }

    @Test
    void aCheckpointCutShortIsReportedAsCorruptNotAsACrash() throws Exception {
        Path file = dir.resolve("checkpoint.bin");
        epoch(1, 100).write(file);
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 7));
        assertThatThrownBy(() -> Checkpoint.verify(file)).isInstanceOf(UserInputException.class)
                .hasMessageContaining("corrupt checkpoint " + file).hasMessageContaining("cut short");
        assertThatThrownBy(() -> Checkpoint.read(file)).isInstanceOf(UserInputException.class);
    }
}
