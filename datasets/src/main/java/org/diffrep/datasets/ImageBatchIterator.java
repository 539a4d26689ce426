package org.diffrep.datasets;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.function.IntToLongFunction;
import org.datavec.api.records.metadata.RecordMetaDataIndex;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batches of one split, decoded by background threads that run {@code prefetchBatches} batches
 * ahead of the consumer. Features are [N, C, S, S] floats in [-1, 1] (RGB). Labels: one-hot [N, K]
 * for classification; for segmentation a class-index map [N, 1, S, S] with
 * {@link SampleLoader#IGNORE} at ignored pixels and a labels mask that is 0 there (COCO: category
 * map with background = 80, batches are {@link ObjectDataSet}s carrying the objects too).
 *
 * <p>Everything random (order, flips, crops) is derived from the seed, the epoch and the sample's
 * index, never from thread timing, so a seed reproduces a run exactly. Each {@link #reset()}
 * after data was consumed starts the next epoch with a new order. Unreadable images are skipped
 * (the batch is filled from the following samples) and recorded in {@link #report()}; every batch
 * carries the split position of each of its examples as DataVec example metadata
 * ({@link #positions(DataSet)}), so a consumer knows which samples it got.
 */
public final class ImageBatchIterator implements DataSetIterator, AutoCloseable {
    private static final long serialVersionUID = 1L;

    private final transient ImageSplit split;
    private final transient ImageDataset dataset;
    private final transient List<Sample> samples;
    private final transient LoaderOptions options;
    private final transient LoadReport report;
    private final int[] positions;
    private final long seed;
    private final transient IntToLongFunction sampleSeeds;
    private final int batchSize;
    private final boolean inGivenOrder;
    private transient DecodedSamples decoded;
    private int epoch;
    private boolean consumed;
    private transient DataSet next;
    private transient DataSetPreProcessor preProcessor;

    /** Every sample of the split, with its own decode threads and report; seeded by {@link LoaderOptions#seed()}. */
    public ImageBatchIterator(ImageDataset dataset, String split, LoaderOptions options) {
        this(new ImageSplit(dataset, split, options), null, options.seed(), null, options.batchSize(), null, false);
    }

    /**
     * See {@link ImageSplit#iterator} ({@code inGivenOrder}: no shuffle, no dropped last batch, the
     * split stays open on close); null positions and report mean the whole split and a new report;
     * {@code sampleSeeds} (position to seed, the same every epoch) replaces the draws from {@code seed}.
     */
    ImageBatchIterator(ImageSplit split, int[] positions, long seed, IntToLongFunction sampleSeeds, int batchSize, LoadReport report,
                       boolean inGivenOrder) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        this.split = split;
        this.dataset = split.dataset();
        this.samples = split.samples();
        this.options = split.options();
        this.positions = positions != null ? positions : allPositions(samples.size());
        this.seed = seed;
        this.sampleSeeds = sampleSeeds;
        this.batchSize = batchSize;
        this.report = report != null ? report : split.newReport(this.positions.length);
        this.inGivenOrder = inGivenOrder;
        startEpoch();
    }

    private static int[] allPositions(int n) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        return all;
    }

    /** Split positions of the examples of a batch this iterator made, in row order. */
    public static int[] positions(DataSet batch) {
        List<?> meta = batch.getExampleMetaData();
        int[] out = new int[meta.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) ((RecordMetaDataIndex) meta.get(i)).getIndex();
        }
        return out;
    }

    /** Unreadable files met so far. */
    public LoadReport report() {
        return report;
    }

    public int epoch() {
        return epoch;
    }

    /** Jumps to a given epoch (e.g. when resuming a run), discarding what was prefetched. */
    public void setEpoch(int epoch) {
        cancelPending();
        this.epoch = epoch;
        startEpoch();
    }

    /** Number of samples this iterator reads per epoch (before skipping unreadable ones). */
    public int size() {
        return positions.length;
    }

    private void startEpoch() {
        int[] order = positions.clone();
        if (options.shuffle() && !inGivenOrder) {
            SplittableRandom rng = new SplittableRandom(mix(seed, epoch, -1));
            for (int i = order.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        int e = epoch;
        IntToLongFunction seeds = sampleSeeds != null ? sampleSeeds : p -> mix(seed, e, p);
        consumed = false;
        next = null;
        decoded = new DecodedSamples(split, order, seeds, options.prefetchBatches() * batchSize, report);
    }

    /** SplitMix64-style mixing so neighbouring seeds, epochs and indices give unrelated streams. */
    private static long mix(long seed, int epoch, int index) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private void cancelPending() {
        if (decoded != null) {
            decoded.close();
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            next = buildNext();
        }
        return next != null;
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " of " + dataset.name() + " is exhausted; call reset()");
        }
        DataSet out = next;
        next = null;
        consumed = true;
        if (preProcessor != null) {
            preProcessor.preProcess(out);
        }
        return out;
    }

    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("the batch size is fixed when the iterator is made (" + batchSize + ")");
    }

    private DataSet buildNext() {
        List<LoadedSample> batch = new ArrayList<>(batchSize);
        List<RecordMetaDataIndex> meta = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && decoded.hasNext()) {
            DecodedSamples.Decoded d = decoded.next();
            batch.add(d.sample());
            Sample s = samples.get(d.position());
            meta.add(new RecordMetaDataIndex(d.position(), s.image() != null ? s.image().toUri() : null, ImageBatchIterator.class));
        }
        if (batch.isEmpty() || (options.dropLast() && !inGivenOrder && batch.size() < batchSize)) {
            return null;
        }
        DataSet out = assemble(batch);
        out.setExampleMetaData(meta);
        return out;
    }

    private DataSet assemble(List<LoadedSample> batch) {
        int n = batch.size();
        int c = options.channels();
        int s = options.imageSize();
        int per = c * s * s;
        for (LoadedSample l : batch) {
            if (l.height() != s || l.width() != s || (l.labelMap() != null && (l.labelHeight() != s || l.labelWidth() != s))) {
                throw new IllegalStateException("a batch holds S x S samples; segmentation evaluation samples, at their annotations'"
                        + " resolution, are read one by one through ImageSplit.decoded");
            }
        }
        float[] features = new float[n * per];
        for (int i = 0; i < n; i++) {
            System.arraycopy(batch.get(i).pixels(), 0, features, i * per, per);
        }
        INDArray x = Nd4j.create(features, new long[] {n, c, s, s}, 'c');
        DataSet out;
        if (dataset.task() == Task.CLASSIFICATION) {
            int k = dataset.numClasses();
            float[] oneHot = new float[n * k];
            for (int i = 0; i < n; i++) {
                oneHot[i * k + batch.get(i).label()] = 1f;
            }
            out = new DataSet(x, Nd4j.create(oneHot, new long[] {n, k}, 'c'));
        } else {
            float[] labels = new float[n * s * s];
            float[] mask = new float[n * s * s];
            for (int i = 0; i < n; i++) {
                int[] map = batch.get(i).labelMap();
                for (int j = 0; j < map.length; j++) {
                    labels[i * s * s + j] = map[j];
                    mask[i * s * s + j] = map[j] == SampleLoader.IGNORE ? 0f : 1f;
                }
            }
            INDArray y = Nd4j.create(labels, new long[] {n, 1, s, s}, 'c');
            INDArray m = Nd4j.create(mask, new long[] {n, 1, s, s}, 'c');
            if (dataset.task() == Task.INSTANCE_SEGMENTATION) {
                out = new ObjectDataSet(x, y, m, batch.stream().map(LoadedSample::objects).toList());
            } else {
                out = new DataSet(x, y, null, m);
            }
        }
        out.setLabelNames(dataset.classNames());
        return out;
    }

    @Override
    public int inputColumns() {
        return options.channels() * options.imageSize() * options.imageSize();
    }

    @Override
    public int totalOutcomes() {
        return dataset.numClasses();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /** Decoding already runs in background threads; wrapping in another async iterator only adds a copy. */
    @Override
    public boolean asyncSupported() {
        return false;
    }

    /** Starts the next epoch, unless nothing of the current one was consumed yet. */
    @Override
    public void reset() {
        if (!consumed) {
            return;
        }
        cancelPending();
        epoch++;
        startEpoch();
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return dataset.classNames();
    }

    @Override
    public void close() {
        cancelPending();
        if (!inGivenOrder) {
            split.close();
        }
    }
}
