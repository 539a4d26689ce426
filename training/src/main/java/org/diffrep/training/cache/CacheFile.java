package org.diffrep.training.cache;

import org.diffrep.common.util.AtomicFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;

/**
 * One cached feature file: the features of one (t, block) for every image of a split and K draws.
 *
 * <pre>
 * magic "DRFCACHE" | int version | 32-byte key hash | int n, bytes key text (UTF-8)
 * | int count | int draws | int channels | int side | long[count] ids | int[count] labels
 * | float[draws][count][channels·side·side] features
 * | long CRC32 of everything after the magic up to here | "DRFC-END"
 * </pre>
 * Little-endian. Written to a temporary file in the same directory, forced to disk, then renamed
 * over the target, so a reader only ever sees complete files; {@link #open} checks size, magic,
 * version, key and checksum and refuses anything else.
 */
public final class CacheFile implements FeatureColumn {

    static final byte[] MAGIC = "DRFCACHE".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END = "DRFC-END".getBytes(StandardCharsets.US_ASCII);

    private final FileChannel channel;
    private final int count;
    private final int draws;
    private final int channels;
    private final int side;
    private final long dataStart;
    private final long[] ids;
    private final int[] labels;

    private CacheFile(FileChannel channel, int count, int draws, int channels, int side, long dataStart, long[] ids, int[] labels) {
        this.channel = channel;
        this.count = count;
        this.draws = draws;
        this.channels = channels;
        this.side = side;
        this.dataStart = dataStart;
        this.ids = ids;
        this.labels = labels;
    }

    /** Thrown by {@link #open} for a file that must not be used; the message says why. */
    public static final class InvalidCacheException extends Exception {
        InvalidCacheException(String message) {
            super(message);
        }
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public int draws() {
        return draws;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int side() {
        return side;
    }

    @Override
    public long[] ids() {
        return ids.clone();
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    @Override
    public int featureLength() {
        return channels * side * side;
    }

    /** Reads the features of samples {@code indices} (draw {@code draws[i]} for each) into {@code out} back to back. */
    @Override
    public void read(int[] indices, int[] drawOf, float[] out) {
        int len = featureLength();
        ByteBuffer buf = ByteBuffer.allocateDirect(len * 4).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (int i = 0; i < indices.length; i++) {
                long pos = dataStart + ((long) drawOf[i] * count + indices[i]) * len * 4L;
                buf.clear();
                while (buf.hasRemaining()) {
                    if (channel.read(buf, pos + buf.position()) < 0) throw new IOException("unexpected end of cache file");
                }
                buf.flip();
                buf.asFloatBuffer().get(out, i * len, len);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What identifies one version of a file: change time (ctime) where the file system has one, as tools can reset mtime. */
    private record Verified(Path file, Object fileKey, long size, FileTime modified, Object changed) {
        static Verified of(Path file) throws IOException {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            Object ctime;
            try {
                ctime = Files.getAttribute(file, "unix:ctime");
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                ctime = null;
            }
            return new Verified(file.toAbsolutePath(), a.fileKey(), a.size(), a.lastModifiedTime(), ctime);
        }
    }

    private static final java.util.Set<Verified> VERIFIED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Opens and fully verifies a cache file written for {@code key}. */
    public static CacheFile open(Path file, CacheKey key) throws InvalidCacheException, IOException {
        if (!Files.isRegularFile(file)) throw new InvalidCacheException("missing");
        Verified stamp = Verified.of(file);   // read before opening: a file renamed into place later gets a new stamp
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = ch.size();
            ByteBuffer head = readAt(ch, 0, (int) Math.min(size, 8 + 4 + 32 + 4));
            if (head.remaining() < 48) throw new InvalidCacheException("truncated header");
            byte[] magic = new byte[8];
            head.get(magic);
            if (!Arrays.equals(magic, MAGIC)) throw new InvalidCacheException("not a feature cache file");
            int version = head.getInt();
            if (version != CacheKey.FORMAT_VERSION) throw new InvalidCacheException("format version " + version);
            byte[] hash = new byte[32];
            head.get(hash);
            if (!Arrays.equals(hash, key.hash())) throw new InvalidCacheException("written for another key");
            int keyLen = head.getInt();
            if (keyLen < 0 || 48L + keyLen + 16 > size) throw new InvalidCacheException("truncated header");
            long pos = 48L + keyLen;
            ByteBuffer dims = readAt(ch, pos, 16);
            int count = dims.getInt();
            int draws = dims.getInt();
            int channels = dims.getInt();
            int side = dims.getInt();
            if (count < 0 || draws < 1 || channels < 1 || side < 1) throw new InvalidCacheException("bad dimensions");
            pos += 16;
            long dataStart = pos + 12L * count;
            long expected = dataStart + 4L * draws * count * channels * side * side + 16;
            if (size != expected) throw new InvalidCacheException("size " + size + " != " + expected + " (partial or corrupt)");
            ByteBuffer idBuf = readAt(ch, pos, 12 * count);
            long[] ids = new long[count];
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) ids[i] = idBuf.getLong();
            for (int i = 0; i < count; i++) labels[i] = idBuf.getInt();
            ByteBuffer trailer = readAt(ch, size - 16, 16);
            long storedCrc = trailer.getLong();
            byte[] end = new byte[8];
            trailer.get(end);
            if (!Arrays.equals(end, END)) throw new InvalidCacheException("missing end marker");
            // the full-file CRC runs once per file version and process: re-opening a file already
            // verified (same inode, size, modification and change times) skips the pass over the data
            if (stamp.size() != size || !VERIFIED.contains(stamp)) {
                if (crc(ch, 8, size - 16) != storedCrc) throw new InvalidCacheException("checksum mismatch (corrupt)");
                VERIFIED.add(stamp);
            }
            CacheFile f = new CacheFile(ch, count, draws, channels, side, dataStart, ids, labels);
            ch = null;
            return f;
        } finally {
            if (ch != null) ch.close();
        }
    }

    private static ByteBuffer readAt(FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) break;
        }
        b.flip();
        return b;
    }

    private static long crc(FileChannel ch, long from, long to) throws IOException {
        CRC32 crc = new CRC32();
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
        long pos = from;
        while (pos < to) {
            b.clear();
            b.limit((int) Math.min(b.capacity(), to - pos));
            int r = ch.read(b, pos);
            if (r < 0) throw new IOException("unexpected end of file");
            b.flip();
            crc.update(b);
            pos += r;
        }
        return crc.getValue();
    }

    /** Streams a cache file: header, then features in draw-major, sample order; {@link #commit} publishes it. */
    public static final class Writer implements AutoCloseable {
        private final Path target;
        private final Path temp;
        private final FileChannel ch;
        private final OutputStream out;
        private final CRC32 crc = new CRC32();
        private final long expectedFloats;
        private long writtenFloats;
        private boolean committed;

        /**
         * Starts the file (in a temporary file next to {@code target}), writing its bytes through {@code disk}: the
         * file's stream in, what writes to it out ({@link UnaryOperator#identity()}; tests give it a disk that fills up).
         */
        Writer(Path target, CacheKey key, long[] ids, int[] labels, int draws, int channels, int side, UnaryOperator<OutputStream> disk)
                throws IOException {
            this.target = target;
            this.temp = AtomicFiles.tempFor(target);
            this.ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            this.out = disk.apply(Channels.newOutputStream(ch));
            this.expectedFloats = (long) draws * ids.length * channels * side * side;
            byte[] keyText = key.canonical().getBytes(StandardCharsets.UTF_8);
            ByteBuffer h = ByteBuffer.allocate(48 + keyText.length + 16 + 12 * ids.length).order(ByteOrder.LITTLE_ENDIAN);
            h.put(MAGIC).putInt(CacheKey.FORMAT_VERSION).put(key.hash()).putInt(keyText.length).put(keyText);
            h.putInt(ids.length).putInt(draws).putInt(channels).putInt(side);
            for (long id : ids) h.putLong(id);
            for (int l : labels) h.putInt(l);
            h.flip();
            try {
                write(h, 8);
            } catch (IOException e) {
                close();   // a disk full already at the header must not leave the partial file behind
                throw e;
            }
        }

        /** Writes a heap buffer's remaining bytes, all but the first {@code skipForCrc} of them counted in the checksum. */
        private void write(ByteBuffer b, int skipForCrc) throws IOException {
            crc.update(b.array(), b.arrayOffset() + b.position() + skipForCrc, b.remaining() - skipForCrc);
            out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
        }

        /** Appends the next features (sample after sample, draw after draw). */
        public void append(float[] values) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            write(b, 0);
            writtenFloats += values.length;
        }

        /** Writes the trailer, forces the file to disk and renames it over the target. */
        public void commit() throws IOException {
            if (writtenFloats != expectedFloats) {
                throw new IllegalStateException("cache " + target + " got " + writtenFloats + " of " + expectedFloats + " values");
            }
            ByteBuffer t = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            t.putLong(crc.getValue()).put(END).flip();
            out.write(t.array(), 0, t.remaining());
            out.flush();
            ch.force(true);
            ch.close();
            AtomicFiles.publish(temp, target);
            committed = true;
        }

        @Override
        public void close() throws IOException {
            if (!committed) {
                ch.close();
                Files.deleteIfExists(temp);
            }
        }
    }
}
