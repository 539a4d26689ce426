package org.diffrep.training;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.UnaryOperator;

/**
 * A disk with {@code room} bytes left, shared by every file written through it: a write past it
 * writes what still fits and fails as a full Linux disk does ({@code ENOSPC}).
 */
public final class FullDisk implements UnaryOperator<OutputStream> {
    private long room;

    public FullDisk(long room) {
        this.room = room;
    }

    @Override
    public OutputStream apply(OutputStream file) {
        return new FilterOutputStream(file) {
            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                int fits = (int) Math.min(len, room);
                out.write(b, off, fits);
                room -= fits;
                if (fits < len) throw new IOException("No space left on device");
            }
        };
    }
}
