package org.diffrep.model.runtime;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A SameDiff training step (one {@code calculateGradientsAndOutputs}): its backward graph, built
 * once, and what it holds in ND4J buffers at its peak, measured on small batches before a long run
 * so that a batch that cannot fit is refused in seconds instead of failing at the cap after hours of
 * feature extraction.
 */
public final class TrainingStep {

    private TrainingStep() {}

    /**
     * Builds {@code sd}'s backward graph for {@code variables} unless it exists, with its runs
     * releasing their intermediates as they go ({@link NativeMemory#releaseBackwardIntermediates}).
     */
    public static void prepare(SameDiff sd, List<String> variables) {
        NativeMemory.releaseBackwardIntermediates(sd);
        if (sd.getFunction("grad") == null) createBackwardQuietly(sd, variables);
    }

    /**
     * {@code sd.createGradFunction(variables)} without its output: ND4J M2.1 prints one line per
     * differentiated op to System.out (thousands for a U-Net graph), which would bury a command's.
     */
    public static void createBackwardQuietly(SameDiff sd, List<String> variables) {
        PrintStream original = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            sd.createGradFunction(variables.toArray(new String[0]));
        } finally {
            System.setOut(original);
        }
    }

    /**
     * Inputs for every placeholder of {@code sd}: those in {@code given} as they are, the others
     * zeros of their declared shape with {@code rows} as the first (batch) dimension. For measuring
     * a step, whose memory depends on shapes only.
     */
    public static Map<String, INDArray> zeroInputs(SameDiff sd, long rows, Map<String, INDArray> given) {
        Map<String, INDArray> inputs = new LinkedHashMap<>();
        for (String name : sd.inputs()) {
            INDArray value = given.get(name);
            if (value == null) {
                long[] shape = sd.getVariable(name).getShape().clone();
                shape[0] = rows;
                value = Nd4j.zeros(DataType.FLOAT, shape);
            }
            inputs.put(name, value);
        }
        return inputs;
    }

    /** What one gradient computation allocated through the graph runner, in bytes, and the most of it live at once. */
    public record Usage(long allocatedBytes, long peakBytes) {}

    /**
     * Runs one gradient computation of {@code sd} (outputs and the gradients of {@code variables},
     * computed and dropped: nothing is updated) and counts every array SameDiff's graph runner
     * allocates for an op's output or a gradient until it is released. Buffers an op allocates inside
     * itself (scratch space) are not seen, so the peak is a lower bound of the step's growth of the
     * resident set. The backward graph must exist ({@link #prepare}).
     */
    public static Usage measure(SameDiff sd, Map<String, INDArray> placeholders, List<String> outputs, List<String> variables) {
        SameDiff grad = sd.getFunction("grad");
        if (grad == null) throw new IllegalStateException("no backward graph yet: TrainingStep.prepare first");
        long thread = Thread.currentThread().getId();
        InferenceSession previous = grad.getSessions().get(thread);
        InferenceSession session = new InferenceSession(grad);
        CountingMemMgr counting = new CountingMemMgr(session.getMmgr());
        session.setMmgr(counting);
        grad.getSessions().put(thread, session);
        try {
            sd.calculateGradientsAndOutputs(placeholders, outputs, variables);
        } finally {
            if (previous != null) grad.getSessions().put(thread, previous);
            else grad.getSessions().remove(thread);
        }
        return new Usage(counting.allocated, counting.peakLive);
    }

    /**
     * A step's peak as a function of its batch, {@code fixedBytes + bytesPerImage × batch}: what the
     * activations and their gradients take grows with the images, the parameters' gradients do not.
     */
    public record Memory(long fixedBytes, long bytesPerImage) {

        /** From the peaks measured at two batches {@code small < large}. */
        public static Memory fit(int small, long smallPeak, int large, long largePeak) {
            if (small < 1 || large <= small) throw new IllegalArgumentException("need two batches 1 <= small < large, got " + small + ", " + large);
            long perImage = Math.max(0, (largePeak - smallPeak) / (large - small));
            return new Memory(Math.max(0, smallPeak - perImage * small), perImage);
        }

        public long at(long batch) {
            return MemoryNeed.sum(fixedBytes, MemoryNeed.product(bytesPerImage, batch));
        }

        /** The largest batch whose step fits in {@code bytes}, 0 when not even one image does. */
        public long largestBatchWithin(long bytes) {
            if (bytes < fixedBytes + bytesPerImage) return 0;
            return bytesPerImage == 0 ? Long.MAX_VALUE : (bytes - fixedBytes) / bytesPerImage;
        }
    }

    /** Bytes the graph runner's memory manager hands out, and the most that were live at once. */
    private static final class CountingMemMgr implements SessionMemMgr {
        private final SessionMemMgr delegate;
        private long allocated;
        private long live;
        private long peakLive;

        CountingMemMgr(SessionMemMgr delegate) {
            this.delegate = delegate;
        }

        private INDArray counted(INDArray a) {
            allocated += bytes(a);
            live += bytes(a);
            peakLive = Math.max(peakLive, live);
            return a;
        }

        private static long bytes(INDArray a) {
            return a.isEmpty() ? 0 : a.length() * a.dataType().width();
        }

        @Override
        public INDArray allocate(boolean detached, DataType type, long... shape) {
            return counted(delegate.allocate(detached, type, shape));
        }

        @Override
        public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
            return counted(delegate.allocate(detached, descriptor));
        }

        @Override
        public INDArray ulike(INDArray a) {
            return counted(delegate.ulike(a));
        }

        @Override
        public INDArray dup(INDArray a) {
            return counted(delegate.dup(a));
        }

        @Override
        public void release(INDArray a) {
            live -= bytes(a);
            delegate.release(a);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
