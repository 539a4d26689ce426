package org.diffrep.training.cka;

import org.diffrep.common.UserInputException;
import org.diffrep.model.checkpoint.CheckpointException;
import org.diffrep.model.checkpoint.DType;
import org.diffrep.model.checkpoint.HalfFloats;
import org.diffrep.model.checkpoint.NpyHeader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A float .npy array [N, ...] (e.g. features a user extracted with another network) read as N rows
 * of the flattened trailing dimensions, by positional reads, so it is never loaded whole. The header is
 * parsed by the checkpoint reader's {@link NpyHeader} (format versions 1–3); C order and float16/32/64
 * in either byte order are accepted, anything else is refused with the reason.
 */
public final class NpyFile implements LinearCka.Rows, AutoCloseable {

    private static final Set<DType> FLOATS = EnumSet.of(DType.FLOAT16, DType.FLOAT32, DType.FLOAT64);

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

    /** What a file must be, for the one line that refuses it. */
    static final String EXPECTED = "a float16/32/64 .npy array [N, D, ...] in C order (numpy.save)";

    /**
     * Opens {@code file}; its rows are labelled {@code label} (default: the file name without .npy).
     *
     * @throws UserInputException when the file is missing or is not {@link #EXPECTED}: one line naming
     *         the file, what is wrong and what is expected
     * @throws IOException when reading fails
     */
    public static NpyFile open(Path file, String label) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw unusable(file, "no such file");
        }
        try {
            NpyHeader h;
            try {
                h = NpyHeader.read(ch, file.toString());
            } catch (CheckpointException e) { // names the file: no .npy magic, a damaged header, an unknown dtype
                throw new UserInputException(e.getMessage() + "; expected " + EXPECTED, e);
            }
            if (!FLOATS.contains(h.dtype())) throw unusable(file, "dtype " + h.dtype().name().toLowerCase(Locale.ROOT));
            if (h.fortranOrder()) throw unusable(file, "Fortran order (save np.ascontiguousarray(x))");
            long[] shape = h.shape();
            if (shape.length < 2) throw unusable(file, "shape " + Arrays.toString(shape));
            long n = shape[0];
            long rest = 1;
            for (int i = 1; i < shape.length; i++) rest *= shape[i];
            int item = h.itemSize();
            long start = h.length();
            if (ch.size() < start + n * rest * item) throw unusable(file, "truncated (" + ch.size() + " bytes)");
            if (n > Integer.MAX_VALUE || rest > Integer.MAX_VALUE) throw unusable(file, "more than 2^31 rows or values per row");
            ByteOrder bo = h.order();
            String name = label != null ? label : file.getFileName().toString().replaceFirst("\\.npy$", "");
            NpyFile out = new NpyFile(file, name, ch, start, (int) n, (int) rest, item, bo);
            ch = null;
            return out;
        } finally {
            if (ch != null) ch.close();
        }
    }

    private static UserInputException unusable(Path file, String problem) {
        return new UserInputException(file + ": " + problem + "; expected " + EXPECTED);
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
