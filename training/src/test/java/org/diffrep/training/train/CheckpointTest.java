package org.diffrep.training.train;

import org.diffrep.common.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {

    @TempDir
    Path dir;

    /** A disk with {@code room} bytes left: the next write past it fails as a full Linux disk does. */
    static final class FullDisk extends FilterOutputStream {
        private long room;

        FullDisk(OutputStream out, long room) {
            super(out);
            this.room = room;
        }

        @Override
        public void write(int b) throws IOException {
            if (room-- <= 0) throw new IOException("No space left on device");
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > room) throw new IOException("No space left on device");
            room -= len;
            out.write(b, off, len);
        }
    }

    static Checkpoint epoch(int epoch, int size) {
        return new Checkpoint("{\"epoch\":" + epoch + "}", Map.of("w", Nd4j.rand(1, size)));
    }

    @Test
    void aFullDiskKeepsTheLastGoodCheckpointAndSaysSoInOneLine() throws Exception {
        Path file = dir.resolve("checkpoint.bin");
        epoch(1, 100).write(file);
        byte[] good = Files.readAllBytes(file);

        assertThatThrownBy(() -> epoch(2, 10_000).write(file, out -> new FullDisk(out, 4096)))
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
