package org.diffrep.training.cka;

import org.diffrep.model.checkpoint.HalfFloats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A float .npy array [N, ...] (e.g. features a user extracted with another network) read as N rows
 * of the flattened trailing dimensions, by positional reads, so it is never loaded whole. Accepts
 * format versions 1–3, C order, dtypes {@code <f4 >f4 <f8 >f8 <f2 >f2}; anything else is refused
 * with the reason.
 */
public final class NpyFile implements LinearCka.Rows, AutoCloseable {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private final Path file;
    private final String label;
    private final FileChannel ch;
    private final long dataStart;
    private final int count;
    private final int dim;
    private final int itemSize;
    private final ByteOrder order;

    private NpyFile(Path file, String label, FileChannel ch, long dataStart, int count, int dim, int itemSize, ByteOrder order) {
        this.file = file;
        this.label = label;
        this.ch = ch;
        this.dataStart = dataStart;
        this.count = count;
        this.dim = dim;
        this.itemSize = itemSize;
        this.order = order;
    }

    /** Opens {@code file}; its rows are labelled {@code label} (default: the file name without .npy). */
    public static NpyFile open(Path file, String label) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            ByteBuffer lead = read(ch, 0, 12);
            for (int i = 0; i < MAGIC.length; i++) {
                if (lead.get(i) != MAGIC[i]) throw new IOException(file + " is not a .npy file (no magic)");
            }
            int major = lead.get(6);
            long headerLen;
            long prefix;
            if (major == 1) {
                headerLen = lead.getShort(8) & 0xffff;
                prefix = 10;
            } else if (major == 2 || major == 3) {
                headerLen = lead.getInt(8) & 0xffffffffL;
                prefix = 12;
            } else {
                throw new IOException(file + ": unsupported .npy version " + major);
            }
            if (headerLen > 1 << 20) throw new IOException(file + ": header of " + headerLen + " bytes");
            String header = StandardCharsets.ISO_8859_1.decode(read(ch, prefix, (int) headerLen)).toString();
            Matcher d = DESCR.matcher(header);
            Matcher f = FORTRAN.matcher(header);
            Matcher s = SHAPE.matcher(header);
            if (!d.find() || !f.find() || !s.find()) throw new IOException(file + ": unreadable header " + header.trim());
            if (!d.group(2).equals("f") || !(d.group(3).equals("2") || d.group(3).equals("4") || d.group(3).equals("8"))) {
                throw new IOException(file + ": dtype " + d.group(1) + d.group(2) + d.group(3) + " is not float16/32/64");
            }
            if (f.group(1).equals("True")) throw new IOException(file + ": Fortran order; save np.ascontiguousarray(x) instead");
            String[] dims = s.group(1).split(",");
            long n = -1;
            long rest = 1;
            int given = 0;
            for (String part : dims) {
                if (part.isBlank()) continue;
                long v = Long.parseLong(part.trim().replace("L", ""));
                if (given++ == 0) n = v;
                else rest *= v;
            }
            if (given < 2) throw new IOException(file + ": shape (" + s.group(1) + ") is not [N, D, ...]");
            int item = Integer.parseInt(d.group(3));
            long start = prefix + headerLen;
            if (ch.size() < start + n * rest * item) throw new IOException(file + ": truncated (" + ch.size() + " bytes)");
            if (n > Integer.MAX_VALUE || rest > Integer.MAX_VALUE) throw new IOException(file + ": too large");
            ByteOrder bo = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            String name = label != null ? label : file.getFileName().toString().replaceFirst("\\.npy$", "");
            NpyFile out = new NpyFile(file, name, ch, start, (int) n, (int) rest, item, bo);
            ch = null;
            return out;
        } finally {
            if (ch != null) ch.close();
        }
    }

    private static ByteBuffer read(FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) throw new IOException("unexpected end of file");
        }
        b.flip();
        return b;
    }

    public Path file() {
        return file;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public void read(int start, int n, float[] out) {
        if (start < 0 || start + n > count) throw new IndexOutOfBoundsException("rows " + start + ".." + (start + n) + " of " + count);
        int perRow = dim * itemSize;
        try {
            for (int r = 0; r < n; r++) {
                ByteBuffer b = read(ch, dataStart + (long) (start + r) * perRow, perRow).order(order);
                int o = r * dim;
                switch (itemSize) {
                    case 4 -> b.asFloatBuffer().get(out, o, dim);
                    case 8 -> {
                        for (int j = 0; j < dim; j++) out[o + j] = (float) b.getDouble();
                    }
                    default -> {
                        for (int j = 0; j < dim; j++) out[o + j] = HalfFloats.float16ToFloat(b.getShort());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
