package org.diffrep.datasets;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.IntToLongFunction;

/**
 * Samples of an {@link ImageSplit} decoded in a given order on the split's threads, up to
 * {@code window} samples ahead of the consumer: the core of {@link ImageBatchIterator}, and on its
 * own the way to read samples that do not fit a batch of equal shapes (segmentation evaluation at
 * the annotations' resolution). The random draws of a sample come from the seed {@code seeds} gives
 * its split position, never from thread timing. Unreadable samples are recorded in the report, which
 * fails the run past its tolerance, and left out; the others come out in order.
 */
public final class DecodedSamples implements Iterator<DecodedSamples.Decoded>, AutoCloseable {

    /** A readable sample and its split position. */
    public record Decoded(int position, LoadedSample sample) {}

    private record Result(int position, LoadedSample sample, String path, String reason) {}

    private final ImageSplit split;
    private final int[] order;
    private final IntToLongFunction seeds;
    private final int window;
    private final LoadReport report;
    private final ArrayDeque<Future<Result>> pending = new ArrayDeque<>();
    private int submitted;
    private Decoded next;

    DecodedSamples(ImageSplit split, int[] order, IntToLongFunction seeds, int window, LoadReport report) {
        this.split = split;
        this.order = order;
        this.seeds = seeds;
        this.window = Math.max(1, window);
        this.report = report;
        submitMore();
    }

    private void submitMore() {
        while (pending.size() < window && submitted < order.length) {
            int position = order[submitted++];
            long seed = seeds.applyAsLong(position);
            pending.add(split.pool().submit(() -> load(position, seed)));
        }
    }

    private Result load(int position, long seed) {
        Sample s = split.samples().get(position);
        try {
            return new Result(position, split.loader().load(s, new SplittableRandom(seed)), null, null);
        } catch (UnreadableImageException e) {
            return new Result(position, null, e.path(), e.reason());
        }
    }

    @Override
    public boolean hasNext() {
        while (next == null) {
            Future<Result> f = pending.poll();
            if (f == null) return false;
            Result r = await(f);
            submitMore();
            if (r.sample != null) {
                next = new Decoded(r.position, r.sample);
            } else {
                report.record(r.path, r.reason);
            }
        }
        return true;
    }

    @Override
    public Decoded next() {
        if (!hasNext()) throw new NoSuchElementException();
        Decoded d = next;
        next = null;
        return d;
    }

    private static Result await(Future<Result> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a decoded image", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("image decoding failed unexpectedly", e.getCause());
        }
    }

    /** Cancels what is still being decoded. */
    @Override
    public void close() {
        for (Future<Result> f : pending) f.cancel(false);
        pending.clear();
        next = null;
    }
}
