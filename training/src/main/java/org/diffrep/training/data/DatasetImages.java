package org.diffrep.training.data;

import org.diffrep.common.UserInputException;
import org.diffrep.datasets.ImageBatchIterator;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.ImageSplit;
import org.diffrep.datasets.LoadReport;
import org.diffrep.datasets.LoaderOptions;
import org.diffrep.datasets.Sample;
import org.diffrep.datasets.Task;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A split of a dataset from the datasets module as an {@link ImageSource}, read through the
 * module's DataVec iterator ({@link ImageBatchIterator}) with the paper's transforms. Index i of
 * this source is split position {@code positions[i]} (also its {@link #id}); flip and random crop
 * of a sample in draw v are seeded by (v, position), so they repeat exactly whatever else shares
 * its batch.
 *
 * <p>Unreadable images are skipped by {@link #batches} and recorded in one {@link LoadReport} for
 * the whole run, which fails once more than the options' tolerated fraction of this source is
 * unreadable. Consumers that need every requested image ({@link #images}, e.g. a trainer drawing
 * random batches) read the {@link #readable()} view, which screens the source once.
 */
public final class DatasetImages implements ImageSource, AutoCloseable {

    private final ImageSplit split;
    private final int[] positions;
    private final LoadReport report;
    private final boolean screened;
    private final long listHash;

    /**
     * @param limit use only the first {@code limit} samples of the split (0 = all), for quick runs; more than the
     *              split holds is refused, not silently shortened
     */
    public DatasetImages(ImageDataset dataset, String split, LoaderOptions options, int limit) {
        this(new ImageSplit(refuseSegmentationData(dataset), split, options), firstPositions(dataset.name() + "/" + split, dataset.samples(split).size(), limit), null, false);
    }

    private DatasetImages(ImageSplit split, int[] positions, LoadReport report, boolean screened) {
        this.split = split;
        this.positions = positions;
        this.report = report != null ? report : split.newReport(positions.length);
        this.screened = screened;
        long h = 1125899906842597L;
        for (int p : positions) {
            Sample s = split.samples().get(p);
            h = Seeds.mix(h, s.id().hashCode(), s.label());
        }
        this.listHash = h;
    }

    /** Classification needs a class per image: segmentation datasets get an error that names what does use them. */
    static ImageDataset refuseSegmentationData(ImageDataset dataset) {
        if (dataset.task() == Task.SEMANTIC_SEGMENTATION) {
            throw new UserInputException(dataset.name() + " labels pixels, not images: classification heads cannot train on it;"
                    + " train a segmentation head: diffrep train --dataset " + dataset.name() + " --head upernet|seg-linear ...");
        }
        if (dataset.task() == Task.INSTANCE_SEGMENTATION) {
            throw new UserInputException(dataset.name() + " annotates object instances, not images: classification heads cannot train on it"
                    + " and no diffrep command trains on it yet; for semantic segmentation: diffrep train --dataset ade20k --head upernet|seg-linear ...");
        }
        return dataset;
    }

    /** The first {@code limit} positions (0 = all); a negative limit or more than the split holds is refused, not reinterpreted. */
    private static int[] firstPositions(String split, int splitSize, int limit) {
        if (limit < 0) throw new UserInputException("a limit of " + limit + " images: use 0 for all of " + split);
        if (limit > splitSize) {
            throw new UserInputException("asked for the first " + limit + " images of " + split + ", which has only " + splitSize
                    + ": lower the limit (0 = all)");
        }
        int n = limit > 0 ? limit : splitSize;
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    /** Name, split, size, transform, and a hash of the sample ids and labels (so a changed list is another dataset). */
    @Override
    public String describe() {
        LoaderOptions o = split.options();
        return split.dataset().name() + "/" + split.split() + " (" + positions.length + " images, " + o.imageSize() + " px, "
                + (o.train() ? "flip" + (o.randomScaleCrop() ? "+random-crop" : "+center-crop") : "center-crop")
                + ", list " + Long.toHexString(listHash) + ")";
    }

    @Override
    public int size() {
        return positions.length;
    }

    @Override
    public int numClasses() {
        return split.dataset().numClasses();
    }

    @Override
    public int label(int index) {
        return split.samples().get(positions[index]).label();
    }

    @Override
    public long id(int index) {
        return positions[index];
    }

    @Override
    public int imageSize() {
        return split.options().imageSize();
    }

    /** The run's unreadable images so far (path and reason), with the tolerance they count against. */
    public LoadReport report() {
        return report;
    }

    @Override
    public List<LoadReport.Problem> unreadable() {
        return report.problems();
    }

    @Override
    public Iterator<Batch> batches(int[] indices, long variant, int batchSize) {
        int[] wanted = new int[indices.length];
        for (int i = 0; i < indices.length; i++) wanted[i] = positions[indices[i]];
        ImageBatchIterator it = split.iterator(wanted, variant, batchSize, report);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                boolean more = it.hasNext();
                if (!more) it.close();
                return more;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new NoSuchElementException();
                DataSet d = it.next();
                int[] got = ImageBatchIterator.positions(d);
                int[] kept = new int[got.length];
                for (int i = 0; i < got.length; i++) kept[i] = indexOf(got[i]);
                return new Batch(kept, d.getFeatures());
            }
        };
    }

    /** Index of a split position; positions are ascending (a prefix of the split or a screened subset of one). */
    private int indexOf(int position) {
        int i = Arrays.binarySearch(positions, position);
        if (i < 0) throw new IllegalStateException("position " + position + " is not part of " + describe());
        return i;
    }

    /**
     * Every requested image, in order.
     *
     * @throws IllegalStateException naming the file when one of them is unreadable (read {@link #readable()} instead)
     */
    @Override
    public INDArray images(int[] indices, long variant) {
        Iterator<Batch> it = batches(indices, variant, Math.max(1, indices.length));
        Batch b = it.hasNext() ? it.next() : new Batch(new int[0], null);
        if (b.indices().length < indices.length) {
            int missing = Arrays.stream(indices).filter(i -> Arrays.stream(b.indices()).noneMatch(k -> k == i)).findFirst().orElseThrow();
            Sample s = split.samples().get(positions[missing]);
            String path = s.image() != null ? s.image().toString() : s.id();
            String reason = report.problems().stream().filter(p -> p.path().equals(path)).map(LoadReport.Problem::reason).findFirst().orElse("unreadable");
            throw new IllegalStateException("unreadable image " + path + " (" + reason + ") in a batch that needs every image");
        }
        return b.images();
    }

    @Override
    public Screened screen(int[] indices) {
        int[] wanted = new int[indices.length];
        for (int i = 0; i < indices.length; i++) wanted[i] = positions[indices[i]];
        List<Integer> good = new ArrayList<>(indices.length);
        try (ImageBatchIterator it = split.iterator(wanted, 0, 64, report)) {
            while (it.hasNext()) {
                for (int p : ImageBatchIterator.positions(it.next())) good.add(indexOf(p));
            }
        }
        int[] readable = good.stream().mapToInt(Integer::intValue).toArray();
        java.util.Set<Integer> kept = new java.util.HashSet<>(good);
        List<String> skipped = new ArrayList<>();
        for (int i : indices) {
            if (kept.contains(i)) continue;
            Sample s = split.samples().get(positions[i]);
            String path = s.image() != null ? s.image().toString() : s.id();
            String reason = report.problems().stream().filter(p -> p.path().equals(path)).map(LoadReport.Problem::reason).findFirst().orElse("unreadable");
            skipped.add(path + ": " + reason);
        }
        return new Screened(readable, skipped);
    }

    /**
     * This source without its unreadable images: one pass over every image (decoding only, on the
     * loader's threads) records them in the report, which fails the run past the tolerance. Ids stay
     * split positions, so noise draws and cache ids do not move.
     */
    @Override
    public DatasetImages readable() {
        if (screened) return this;
        List<Integer> good = new ArrayList<>(positions.length);
        try (ImageBatchIterator it = split.iterator(positions, 0, 64, report)) {
            while (it.hasNext()) {
                for (int p : ImageBatchIterator.positions(it.next())) good.add(p);
            }
        }
        int[] kept = good.stream().mapToInt(Integer::intValue).sorted().toArray();
        return new DatasetImages(split, kept, report, true);
    }

    /** Stops the decode threads. */
    @Override
    public void close() {
        split.close();
    }
}
