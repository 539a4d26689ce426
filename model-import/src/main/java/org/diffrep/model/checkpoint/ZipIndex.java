package org.diffrep.model.checkpoint;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * The central directory of a zip file plus positional access to entry data. java.util.zip cannot
 * tell where an entry's bytes start in the file, and that is what lets stored entries (torch
 * always stores) be read straight into tensor memory with no intermediate copy.
 */
final class ZipIndex {

    private static final int EOCD_SIG = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int ZIP64_EOCD_SIG = 0x06064b50;
    private static final int CENTRAL_SIG = 0x02014b50;
    private static final int LOCAL_SIG = 0x04034b50;
    private static final int STORED = 0;
    private static final int DEFLATED = 8;
    private static final long U32 = 0xffffffffL;

    /** Where an entry's (possibly compressed) bytes are; {@code size} is the uncompressed size. */
    record Entry(String name, int method, long dataOffset, long compressedSize, long size) {
        boolean stored() {
            return method == STORED;
        }
    }

    private final FileChannel channel;
    private final String file;
    private final long fileSize;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    ZipIndex(FileChannel channel, String file) throws IOException {
        this.channel = channel;
        this.file = file;
        this.fileSize = channel.size();
        readCentralDirectory();
    }

    Collection<Entry> entries() {
        return entries.values();
    }

    Entry find(String name) {
        return entries.get(name);
    }

    /** Small entries only (pickles, version strings): the whole content on the heap. */
    byte[] readAll(Entry e, int maxBytes) throws IOException {
        if (e.size() > maxBytes) {
            throw new CheckpointException(file + ": entry " + e.name() + " is " + e.size()
                    + " bytes, more than the " + maxBytes + " expected for it");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) e.size());
        try (ReadableByteChannel in = open(e, 0)) {
            readFully(in, buf, file + ": entry " + e.name());
        }
        return buf.array();
    }

    /** The entry's uncompressed bytes from {@code skip} on, as a sequential channel. */
    ReadableByteChannel open(Entry e, long skip) throws IOException {
        if (e.method() == STORED) {
            return new Slice(e.dataOffset() + skip, e.dataOffset() + e.size(), e.name());
        }
        if (e.method() != DEFLATED) {
            throw new CheckpointException(file + ": entry " + e.name() + " uses zip compression method "
                    + e.method() + "; only stored and deflated entries are supported");
        }
        Inflater inflater = new Inflater(true);
        InputStream raw = Channels.newInputStream(new Slice(e.dataOffset(), e.dataOffset() + e.compressedSize(), e.name()));
        InputStream inflating = new InflaterInputStream(raw, inflater, 1 << 16) {
            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    inflater.end();
                }
            }
        };
        long skipped = inflating.skip(skip);
        if (skipped != skip) {
            inflating.close();
            throw new CheckpointException(file + ": entry " + e.name() + " ends before byte " + skip);
        }
        return Channels.newChannel(inflating);
    }

    /** Fills {@code buf} completely or fails with a message naming {@code what}. */
    static void readFully(ReadableByteChannel in, ByteBuffer buf, String what) throws IOException {
        try {
            while (buf.hasRemaining()) {
                if (in.read(buf) < 0) {
                    throw new CheckpointException(what + " ends early (file truncated?)");
                }
            }
        } catch (EOFException | ZipException e) {
            throw new CheckpointException(what + " is damaged or truncated: " + e.getMessage(), e);
        }
    }

    private void readCentralDirectory() throws IOException {
        long eocd = findEndOfCentralDirectory();
        ByteBuffer end = read(eocd, 22);
        long count = end.getShort(10) & 0xffff;
        long cdSize = end.getInt(12) & U32;
        long cdOffset = end.getInt(16) & U32;
        if (count == 0xffff || cdSize == U32 || cdOffset == U32) {
            if (eocd < 20 || read(eocd - 20, 4).getInt(0) != ZIP64_LOCATOR_SIG) {
                throw damaged("zip64 end-of-central-directory locator missing");
            }
            long zip64Eocd = read(eocd - 20, 20).getLong(8);
            if (zip64Eocd < 0 || zip64Eocd > eocd - 56) {
                throw damaged("zip64 end-of-central-directory record out of range");
            }
            ByteBuffer z = read(zip64Eocd, 56);
            if (z.getInt(0) != ZIP64_EOCD_SIG) {
                throw damaged("zip64 end-of-central-directory record missing");
            }
            count = z.getLong(32);
            cdSize = z.getLong(40);
            cdOffset = z.getLong(48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > eocd || cdSize > Integer.MAX_VALUE) {
            throw damaged("central directory out of range (file truncated?)");
        }
        ByteBuffer cd = read(cdOffset, (int) cdSize);
        for (long i = 0; i < count; i++) {
            Entry e = parseCentralEntry(cd);
            if (entries.putIfAbsent(e.name(), e) != null) {
                throw damaged("entry " + e.name() + " appears twice");
            }
        }
    }

    private Entry parseCentralEntry(ByteBuffer cd) throws IOException {
        if (cd.remaining() < 46 || cd.getInt(cd.position()) != CENTRAL_SIG) {
            throw damaged("central directory entry malformed");
        }
        int at = cd.position();
        int flags = cd.getShort(at + 8) & 0xffff;
        int method = cd.getShort(at + 10) & 0xffff;
        long compressed = cd.getInt(at + 20) & U32;
        long size = cd.getInt(at + 24) & U32;
        int nameLen = cd.getShort(at + 28) & 0xffff;
        int extraLen = cd.getShort(at + 30) & 0xffff;
        int commentLen = cd.getShort(at + 32) & 0xffff;
        long localHeader = cd.getInt(at + 42) & U32;
        if (cd.remaining() < 46 + nameLen + extraLen + commentLen) {
            throw damaged("central directory entry malformed");
        }
        byte[] nameBytes = new byte[nameLen];
        cd.position(at + 46).get(nameBytes);
        String name = new String(nameBytes, StandardCharsets.UTF_8);
        // Zip64 extra field: 8-byte values, in this order, only for the fields saturated above.
        int extraEnd = at + 46 + nameLen + extraLen;
        for (int x = at + 46 + nameLen; x + 4 <= extraEnd; ) {
            int id = cd.getShort(x) & 0xffff;
            int len = cd.getShort(x + 2) & 0xffff;
            if (id == 0x0001) {
                int v = x + 4;
                if (size == U32 && v + 8 <= x + 4 + len) { size = cd.getLong(v); v += 8; }
                if (compressed == U32 && v + 8 <= x + 4 + len) { compressed = cd.getLong(v); v += 8; }
                if (localHeader == U32 && v + 8 <= x + 4 + len) { localHeader = cd.getLong(v); }
            }
            x += 4 + len;
        }
        cd.position(extraEnd + commentLen);
        if ((flags & 1) != 0) {
            throw new CheckpointException(file + ": entry " + name + " is encrypted");
        }
        if (localHeader < 0 || localHeader + 30 > fileSize) {
            throw damaged("entry " + name + " starts past the end of the file (file truncated?)");
        }
        ByteBuffer local = read(localHeader, 30);
        if (local.getInt(0) != LOCAL_SIG) {
            throw damaged("local header of entry " + name + " missing");
        }
        long dataOffset = localHeader + 30 + (local.getShort(26) & 0xffff) + (local.getShort(28) & 0xffff);
        long stored = method == STORED ? size : compressed;
        if (size < 0 || compressed < 0 || dataOffset + stored > fileSize) {
            throw damaged("entry " + name + " extends past the end of the file (file truncated?)");
        }
        return new Entry(name, method, dataOffset, compressed, size);
    }

    /** The record sits in the last 22 + 65535 bytes, at the place where its comment length fits exactly. */
    private long findEndOfCentralDirectory() throws IOException {
        int tail = (int) Math.min(fileSize, 22 + 0xffff);
        ByteBuffer buf = read(fileSize - tail, tail);
        for (int i = tail - 22; i >= 0; i--) {
            if (buf.getInt(i) == EOCD_SIG && i + 22 + (buf.getShort(i + 20) & 0xffff) == tail) {
                return fileSize - tail + i;
            }
        }
        throw new CheckpointException(file + " is truncated or not a complete zip archive"
                + " (no end-of-central-directory record)");
    }

    private ByteBuffer read(long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        if (position < 0 || position + length > fileSize) {
            throw damaged("structure points past the end of the file (file truncated?)");
        }
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw damaged("file ends early");
            }
        }
        return buf.flip();
    }

    private CheckpointException damaged(String detail) {
        return new CheckpointException(file + " is not a valid zip archive: " + detail);
    }

    /** A window of the file read with positional reads, so several may be open on one channel. */
    private final class Slice implements ReadableByteChannel {
        private long position;
        private final long end;
        private final String entry;

        Slice(long position, long end, String entry) {
            this.position = position;
            this.end = end;
            this.entry = entry;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (position >= end) {
                return -1;
            }
            int limit = dst.limit();
            if (dst.remaining() > end - position) {
                dst.limit(dst.position() + (int) (end - position));
            }
            try {
                int n = channel.read(dst, position);
                if (n < 0) {
                    throw new CheckpointException(file + ": entry " + entry + " ends early (file truncated?)");
                }
                position += n;
                return n;
            } finally {
                dst.limit(limit);
            }
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public void close() {
            // The shared file channel belongs to the reader.
        }
    }
}
