package org.diffrep.model.checkpoint;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.StringJoiner;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes named arrays as an uncompressed numpy {@code .npz} ({@code np.savez} layout: one stored
 * {@code <key>.npy} entry per array, little-endian float32, C order), so weights trained here go
 * through the same {@link Checkpoints#read} path as any exported checkpoint and numpy can open them.
 * The archive is written to a temporary file in the target directory, forced to disk and renamed
 * over the target: a crash leaves the previous file or the new one, never a torn one.
 */
public final class NpzWriter {

    private NpzWriter() {}

    public static void write(Path file, Map<String, INDArray> arrays) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (FileOutputStream fos = new FileOutputStream(tmp.toFile());
                 ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(fos, 1 << 20))) {
                for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                    byte[] npy = npy(e.getValue());
                    ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                    // stored entries need size and CRC before the data; numpy's own savez does the same
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(npy.length);
                    entry.setCompressedSize(npy.length);
                    CRC32 crc = new CRC32();
                    crc.update(npy);
                    entry.setCrc(crc.getValue());
                    zip.putNextEntry(entry);
                    zip.write(npy);
                    zip.closeEntry();
                }
                zip.finish();
                zip.flush();
                fos.getFD().sync();
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** One array in the .npy format, version 1.0. */
    static byte[] npy(INDArray array) {
        INDArray a = array.dataType() == DataType.FLOAT && array.ordering() == 'c' && !array.isView()
                ? array : array.castTo(DataType.FLOAT).dup('c');
        StringJoiner shape = new StringJoiner(", ", "(", a.rank() == 1 ? ",)" : ")");
        for (long s : a.shape()) shape.add(Long.toString(s));
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        // magic (6) + version (2) + header length (2) + dict, padded with spaces to a multiple of 64, ending in \n
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        float[] data = a.length() == 0 ? new float[0] : a.data().asFloat();
        ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        buf.putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.US_ASCII));
        buf.asFloatBuffer().put(data);
        return buf.array();
    }
}
