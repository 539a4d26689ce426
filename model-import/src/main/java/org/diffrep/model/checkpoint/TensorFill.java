package org.diffrep.model.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.pointers.PagedPointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves raw checkpoint bytes into freshly allocated off-heap float32 arrays. One instance serves
 * a whole checkpoint: its conversion buffers are reused, since direct buffers are only freed by GC.
 */
final class TensorFill {

    /** NIO buffers are int-indexed, so big tensors are filled through windows of this size. */
    private static final long WINDOW = 1L << 30;
    private static final int CHUNK = 1 << 20;

    private ByteBuffer scratch;
    private float[] converted;

    /** Uninitialised float32 array; ND4J needs its own factories for scalars and empty shapes. */
    static INDArray allocate(long[] shape, char order) {
        if (shape.length == 0) {
            return Nd4j.scalar(DataType.FLOAT, 0f);
        }
        if (TensorInfo.numel(shape) == 0) {
            return Nd4j.create(DataType.FLOAT, shape);
        }
        return Nd4j.createUninitialized(DataType.FLOAT, shape, order);
    }

    /**
     * Fills all of {@code dst}'s buffer, in its memory order, with the next elements of {@code in}.
     * Native-order float32 is read straight into the array memory; anything else is converted
     * through a small scratch buffer, so no full-size intermediate copy ever exists.
     */
    void fill(ReadableByteChannel in, DType dtype, ByteOrder order, INDArray dst, String what) throws IOException {
        long count = dst.length();
        if (count == 0) {
            return;
        }
        long bytes = count * Float.BYTES;
        Pointer base = dst.data().addressPointer();
        if (dtype == DType.FLOAT32 && order == ByteOrder.nativeOrder()) {
            for (long at = 0; at < bytes; at += WINDOW) {
                ZipIndex.readFully(in, window(base, at, Math.min(WINDOW, bytes - at)), what);
            }
            return;
        }
        if (scratch == null) {
            scratch = ByteBuffer.allocateDirect(CHUNK);
            converted = new float[CHUNK];
        }
        scratch.order(order);
        int perChunk = CHUNK / dtype.size;
        for (long done = 0; done < count; ) {
            int n = (int) Math.min(perChunk, count - done);
            scratch.clear().limit(n * dtype.size);
            ZipIndex.readFully(in, scratch, what);
            scratch.flip();
            dtype.decode(scratch, converted, n);
            window(base, done * Float.BYTES, (long) n * Float.BYTES).asFloatBuffer().put(converted, 0, n);
            done += n;
        }
    }

    /**
     * A native-order view of {@code length} bytes at {@code offset}. Each window gets its own base
     * address: JavaCPP's asByteBuffer() mishandles positions past 2 GB (it wrote below the array).
     */
    private static ByteBuffer window(Pointer base, long offset, long length) {
        return new BytePointer(new PagedPointer(base, length, offset)).asByteBuffer();
    }
}
