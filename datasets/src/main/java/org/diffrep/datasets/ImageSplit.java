package org.diffrep.datasets;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntToLongFunction;

/**
 * One split opened for many passes: its sample list, its {@link SampleLoader} and its decode
 * threads are shared by every {@link ImageBatchIterator} made from it, so a consumer that reads
 * the split piece by piece (a shard, a batch of a random-access trainer) pays for them once.
 */
public final class ImageSplit implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ImageDataset dataset;
    private final String split;
    private final List<Sample> samples;
    private final LoaderOptions options;
    private final SampleLoader loader;
    private final ExecutorService pool;

    public ImageSplit(ImageDataset dataset, String split, LoaderOptions options) {
        this.dataset = dataset;
        this.split = split;
        this.samples = dataset.samples(split);
        this.options = options;
        this.loader = new SampleLoader(dataset, split, options);
        int id = POOLS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "diffrep-decode-" + id + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public ImageDataset dataset() {
        return dataset;
    }

    public String split() {
        return split;
    }

    /** Every sample of the split, in the dataset's fixed order; positions index this list. */
    public List<Sample> samples() {
        return samples;
    }

    public LoaderOptions options() {
        return options;
    }

    /** A report for a run that reads {@code total} images of this split, with the options' tolerance. */
    public LoadReport newReport(int total) {
        return new LoadReport(dataset.name(), split, total, options.maxBadFraction());
    }

    /**
     * Batches of the given split positions, in this order, the last one possibly smaller (the
     * options' shuffle and drop-last do not apply); flips and crops are seeded by {@code seed}, the epoch and the position, so
     * they do not depend on which other samples share the pass. Unreadable images go to {@code report}.
     */
    public ImageBatchIterator iterator(int[] positions, long seed, int batchSize, LoadReport report) {
        return new ImageBatchIterator(this, checked(positions), seed, null, batchSize, report, true);
    }

    /**
     * As {@link #iterator(int[], long, int, LoadReport)}, with the random draws of each sample seeded by
     * {@code seeds} from its split position: for a caller that owns its random streams (a trainer whose
     * transform draws are a function of iteration and sample, so that a resumed run repeats them).
     */
    public ImageBatchIterator iterator(int[] positions, IntToLongFunction seeds, int batchSize, LoadReport report) {
        return new ImageBatchIterator(this, checked(positions), 0, seeds, batchSize, report, true);
    }

    /**
     * The given split positions decoded one by one, in this order, on this split's threads (up to
     * {@code prefetchBatches} x {@code batchSize} of the options ahead), each sample's draws seeded by
     * {@code seeds}: for samples of unequal shapes, which no batch can hold. Unreadable ones go to
     * {@code report} and are left out.
     */
    public DecodedSamples decoded(int[] positions, IntToLongFunction seeds, LoadReport report) {
        return new DecodedSamples(this, checked(positions), seeds, options.prefetchBatches() * options.batchSize(), report);
    }

    private int[] checked(int[] positions) {
        for (int p : positions) {
            if (p < 0 || p >= samples.size()) {
                throw new IndexOutOfBoundsException("position " + p + " outside " + dataset.name() + "/" + split + " (" + samples.size() + " samples)");
            }
        }
        return positions.clone();
    }

    SampleLoader loader() {
        return loader;
    }

    ExecutorService pool() {
        return pool;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
