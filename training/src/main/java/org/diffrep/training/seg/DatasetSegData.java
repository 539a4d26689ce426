package org.diffrep.training.seg;

import org.diffrep.common.UserInputException;
import org.diffrep.datasets.DecodedSamples;
import org.diffrep.datasets.ImageBatchIterator;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.ImageSplit;
import org.diffrep.datasets.LoadReport;
import org.diffrep.datasets.LoadedSample;
import org.diffrep.datasets.LoaderOptions;
import org.diffrep.datasets.Sample;
import org.diffrep.datasets.SegmentationOptions;
import org.diffrep.datasets.Task;
import org.diffrep.training.data.Seeds;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A split of a semantic-segmentation dataset in its official layout (ADE20K), read through the
 * datasets module's pipeline ({@link ImageSplit}: its DataVec iterator for training batches, its
 * decoded samples for evaluation, whose annotations keep their own resolution) with mmseg's transforms
 * ({@link SegmentationOptions}). Index i is split position {@code positions[i]}, also its id; the
 * training draws of a sample are seeded by (variant, position), so they repeat whatever shares its batch.
 *
 * <p>Unreadable images and annotations are recorded in one {@link LoadReport} per split, which fails the
 * run past the tolerated fraction. The trainer and evaluator need every image they ask for, so they read
 * the {@link #readable()} view, which screens the split once.
 */
public final class DatasetSegData implements SegData, AutoCloseable {

    private final Splits splits;
    private final int[] positions;
    private final LoadReport report;
    private final boolean screened;
    private final long listHash;

    /** The split's pipelines, opened on first use and shared by the views of one split. */
    private static final class Splits {
        private final ImageDataset dataset;
        private final String split;
        private final LoaderOptions evaluation;
        private ImageSplit training;
        private ImageSplit evaluating;

        Splits(ImageDataset dataset, String split, LoaderOptions evaluation) {
            this.dataset = dataset;
            this.split = split;
            this.evaluation = evaluation;
        }

        synchronized ImageSplit training() {
            if (training == null) training = new ImageSplit(dataset, split, evaluation.withTrain(true));
            return training;
        }

        synchronized ImageSplit evaluation() {
            if (evaluating == null) evaluating = new ImageSplit(dataset, split, evaluation);
            return evaluating;
        }

        synchronized void close() {
            if (training != null) training.close();
            if (evaluating != null) evaluating.close();
        }
    }

    /**
     * @param limit         use only the first {@code limit} samples of the split (0 = all)
     * @param maxUnreadable share of those samples that may be unreadable (skipped and listed) before the run fails
     */
    public DatasetSegData(ImageDataset dataset, String split, int imageSize, SegmentationOptions transform, int limit, int threads,
                          double maxUnreadable) {
        if (dataset.task() != Task.SEMANTIC_SEGMENTATION) {
            throw new UserInputException(dataset.name() + " has no per-pixel class labels: segmentation heads train on ade20k");
        }
        int all = dataset.samples(split).size();
        if (all == 0) throw new UserInputException(dataset.name() + "/" + split + " has no images under " + dataset.root());
        if (limit < 0) throw new UserInputException("a limit of " + limit + " images: use 0 for all of " + dataset.name() + "/" + split);
        // small decode windows: an evaluation sample carries its annotation at full resolution
        LoaderOptions options = LoaderOptions.evaluation(imageSize).withSegmentation(transform).withThreads(Math.max(1, threads))
                .withBatchSize(Math.max(2, threads)).withPrefetchBatches(2).withMaxBadFraction(maxUnreadable);
        int n = limit > 0 && limit < all ? limit : all;
        int[] first = new int[n];
        for (int i = 0; i < n; i++) first[i] = i;
        this.splits = new Splits(dataset, split, options);
        this.positions = first;
        this.report = new LoadReport(dataset.name(), split, n, maxUnreadable);
        this.screened = false;
        this.listHash = hash(dataset.samples(split), first);
    }

    private DatasetSegData(Splits splits, int[] positions, LoadReport report, long listHash) {
        this.splits = splits;
        this.positions = positions;
        this.report = report;
        this.screened = true;
        this.listHash = listHash;
    }

    private static long hash(List<Sample> samples, int[] positions) {
        long h = 1125899906842597L;
        for (int p : positions) h = Seeds.mix(h, samples.get(p).id().hashCode());
        return h;
    }

    @Override
    public String describe() {
        return splits.dataset.name() + "/" + splits.split + " (" + positions.length + " images, " + imageSize() + " px, list "
                + Long.toHexString(listHash) + ")";
    }

    @Override
    public int size() {
        return positions.length;
    }

    @Override
    public int numClasses() {
        return splits.dataset.numClasses();
    }

    @Override
    public List<String> classNames() {
        return splits.dataset.classNames();
    }

    @Override
    public int channels() {
        return 3;
    }

    @Override
    public int imageSize() {
        return splits.evaluation.imageSize();
    }

    @Override
    public long id(int index) {
        return positions[index];
    }

    @Override
    public List<LoadReport.Problem> unreadable() {
        return report.problems();
    }

    /**
     * This split without its unreadable samples: one pass decodes every image and annotation (evaluation
     * transform, on the pipeline's threads) and records the bad ones, failing past the tolerance. Ids stay
     * split positions, so noise and transform draws of the others do not move.
     */
    @Override
    public DatasetSegData readable() {
        if (screened) return this;
        List<Integer> good = new ArrayList<>(positions.length);
        try (DecodedSamples all = splits.evaluation().decoded(positions, p -> 0L, report)) {
            while (all.hasNext()) good.add(all.next().position());
        }
        int[] kept = good.stream().mapToInt(Integer::intValue).toArray();
        return new DatasetSegData(splits, kept, report, kept.length == positions.length ? listHash : hash(splits.dataset.samples(splits.split), kept));
    }

    @Override
    public Batch trainBatch(int[] indices, long variant) {
        int[] wanted = positionsOf(indices);
        DataSet d;
        try (ImageBatchIterator it = splits.training().iterator(wanted, p -> Seeds.mix(variant, p), wanted.length, report)) {
            d = it.hasNext() ? it.next() : null;
        }
        int[] got = d == null ? new int[0] : ImageBatchIterator.positions(d);
        if (got.length < wanted.length) throw missing(wanted, got);
        float[] labelValues = d.getLabels().castTo(DataType.FLOAT).dup('c').data().asFloat();
        int[] labels = new int[labelValues.length];
        for (int i = 0; i < labels.length; i++) labels[i] = (int) labelValues[i];
        return new Batch(d.getFeatures(), labels);
    }

    @Override
    public EvalBatch evalBatch(int[] indices) {
        int[] wanted = positionsOf(indices);
        List<LoadedSample> loaded = new ArrayList<>(wanted.length);
        int[] got = new int[wanted.length];
        try (DecodedSamples it = splits.evaluation().decoded(wanted, p -> 0L, report)) {
            while (it.hasNext()) {
                DecodedSamples.Decoded d = it.next();
                got[loaded.size()] = d.position();
                loaded.add(d.sample());
            }
        }
        if (loaded.size() < wanted.length) throw missing(wanted, Arrays.copyOf(got, loaded.size()));
        LoadedSample first = loaded.get(0);
        int plane = 3 * first.height() * first.width();
        float[] pixels = new float[loaded.size() * plane];
        List<Target> targets = new ArrayList<>(loaded.size());
        for (int i = 0; i < loaded.size(); i++) {
            LoadedSample s = loaded.get(i);
            if (s.height() != first.height() || s.width() != first.width()) {
                throw new IllegalArgumentException("images of different sizes (" + first.width() + "x" + first.height() + ", " + s.width() + "x"
                        + s.height() + ") cannot share a batch: evaluate them one at a time");
            }
            System.arraycopy(s.pixels(), 0, pixels, i * plane, plane);
            Sample sample = splits.dataset.samples(splits.split).get(got[i]);
            targets.add(new Target(sample.labelMap().getFileName().toString(), s.labelWidth(), s.labelHeight(), s.labelMap()));
        }
        INDArray images = Nd4j.create(pixels, new long[] {loaded.size(), 3, first.height(), first.width()}, 'c');
        return new EvalBatch(images, targets);
    }

    private int[] positionsOf(int[] indices) {
        int[] p = new int[indices.length];
        for (int i = 0; i < indices.length; i++) p[i] = positions[indices[i]];
        return p;
    }

    /** A sample that was readable when the split was screened and is not now (changed on disk). */
    private IllegalStateException missing(int[] wanted, int[] got) {
        int lost = Arrays.stream(wanted).filter(p -> Arrays.stream(got).noneMatch(g -> g == p)).findFirst().orElse(wanted[0]);
        Sample s = splits.dataset.samples(splits.split).get(lost);
        String reason = report.problems().stream()
                .filter(p -> p.path().equals(String.valueOf(s.image())) || p.path().equals(String.valueOf(s.labelMap())))
                .map(p -> p.path() + ": " + p.reason()).findFirst().orElse(String.valueOf(s.image()));
        return new IllegalStateException("unreadable sample " + reason + " in a batch that needs every image; read the split's readable() view");
    }

    /** Stops the decode threads of this split (every view of it). */
    @Override
    public void close() {
        splits.close();
    }
}
