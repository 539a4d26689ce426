package org.diffrep.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One tensor over 2 GB: NIO buffers are int-sized, and JavaCPP's asByteBuffer() silently wrote
 * below the array for positions past 2 GB, so the filling windows must each start at their own
 * address. Needs 2.2 GB of disk and memory, hence slow.
 */
@Tag("slow")
class LargeTensorTest {

    private static final long N = 560_000_000L;

    @Test
    void tensorLargerThanTwoGigabytes(@TempDir Path dir) throws IOException {
        Path npz = dir.resolve("large.npz");
        writeNpz(npz);
        try (StateDict sd = Checkpoints.read(npz)) {
            INDArray a = sd.get("a");
            assertThat(a.length()).isEqualTo(N);
            for (long i : new long[] {0, 999, 268_435_455L, 268_435_456L, 536_870_911L, 536_870_912L, N - 1}) {
                assertThat(a.getFloat(i)).as("element %d", i).isEqualTo(value(i));
            }
        } finally {
            Files.delete(npz);
        }
    }

    private static float value(long i) {
        return i % 1000;
    }

    private static void writeNpz(Path target) throws IOException {
        byte[] header = npyHeader();
        CRC32 crc = new CRC32();
        crc.update(header);
        forEachChunk(crc::update);
        ZipEntry entry = new ZipEntry("a.npy");
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(header.length + N * Float.BYTES);
        entry.setCrc(crc.getValue());
        try (OutputStream file = Files.newOutputStream(target); ZipOutputStream zip = new ZipOutputStream(file)) {
            zip.putNextEntry(entry);
            zip.write(header);
            forEachChunk(chunk -> {
                try {
                    zip.write(chunk);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            zip.closeEntry();
        }
    }

    private static void forEachChunk(java.util.function.Consumer<byte[]> sink) {
        int perChunk = 1 << 22;
        ByteBuffer chunk = ByteBuffer.allocate(perChunk * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long at = 0; at < N; at += perChunk) {
            int n = (int) Math.min(perChunk, N - at);
            chunk.clear();
            for (int i = 0; i < n; i++) {
                chunk.putFloat(value(at + i));
            }
            sink.accept(n == perChunk ? chunk.array() : java.util.Arrays.copyOf(chunk.array(), n * Float.BYTES));
        }
    }

    private static byte[] npyHeader() {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + N + ",), }";
        dict += " ".repeat(63 - (10 + dict.length()) % 64) + "\n";
        byte[] d = dict.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + d.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) d.length).put(d);
        return b.array();
    }
}
