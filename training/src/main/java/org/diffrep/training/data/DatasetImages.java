package org.diffrep.training.data;

import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.LoadedSample;
import org.diffrep.datasets.LoaderOptions;
import org.diffrep.datasets.Sample;
import org.diffrep.datasets.SampleLoader;
import org.diffrep.datasets.Task;
import org.diffrep.datasets.UnreadableImageException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * A split of a dataset from the datasets module (official on-disk layout) as an {@link ImageSource}:
 * its {@link SampleLoader} applies the paper's geometry; flip and random crop of sample i in draw v
 * come from a generator seeded by (v, i), so they repeat exactly. Images of a batch are decoded in
 * parallel. An unreadable image fails the batch with its path.
 */
public final class DatasetImages implements ImageSource {

    private final ImageDataset dataset;
    private final String split;
    private final LoaderOptions options;
    private final List<Sample> samples;
    private final SampleLoader loader;
    private final ForkJoinPool pool;
    private final long listHash;

    /**
     * @param limit use only the first {@code limit} samples of the split (0 = all), for quick runs
     */
    public DatasetImages(ImageDataset dataset, String split, LoaderOptions options, int limit) {
        refuseSegmentationData(dataset);
        this.dataset = dataset;
        this.split = split;
        this.options = options;
        List<Sample> all = dataset.samples(split);
        this.samples = limit > 0 && limit < all.size() ? List.copyOf(all.subList(0, limit)) : all;
        this.loader = new SampleLoader(dataset, split, options);
        this.pool = new ForkJoinPool(Math.max(1, options.threads()));
        long h = 1125899906842597L;
        for (Sample s : samples) h = Seeds.mix(h, s.id().hashCode(), s.label());
        this.listHash = h;
    }

    /** Classification needs a class per image: segmentation datasets get an error that names what does use them. */
    static void refuseSegmentationData(ImageDataset dataset) {
        if (dataset.task() == Task.SEMANTIC_SEGMENTATION) {
            throw new IllegalArgumentException(dataset.name() + " labels pixels, not images: classification heads cannot train on it;"
                    + " train a segmentation head: diffrep train --dataset " + dataset.name() + " --head upernet|seg-linear ...");
        }
        if (dataset.task() == Task.INSTANCE_SEGMENTATION) {
            throw new IllegalArgumentException(dataset.name() + " annotates object instances, not images: classification heads cannot train on it"
                    + " and no diffrep command trains on it yet; for semantic segmentation: diffrep train --dataset ade20k --head upernet|seg-linear ...");
        }
    }

    /** Name, split, size, transform, and a hash of the sample ids and labels (so a changed list is another dataset). */
    @Override
    public String describe() {
        return dataset.name() + "/" + split + " (" + samples.size() + " images, " + options.imageSize() + " px, "
                + (options.train() ? "flip" + (options.randomScaleCrop() ? "+random-crop" : "+center-crop") : "center-crop")
                + ", list " + Long.toHexString(listHash) + ")";
    }

    @Override
    public int size() {
        return samples.size();
    }

    @Override
    public int numClasses() {
        return dataset.numClasses();
    }

    @Override
    public int label(int index) {
        return samples.get(index).label();
    }

    @Override
    public int imageSize() {
        return options.imageSize();
    }

    @Override
    public INDArray images(int[] indices, long variant) {
        int plane = options.channels() * options.imageSize() * options.imageSize();
        float[] data = new float[indices.length * plane];
        try {
            pool.submit(() -> IntStream.range(0, indices.length).parallel().forEach(i -> {
                Sample s = samples.get(indices[i]);
                try {
                    LoadedSample loaded = loader.load(s, new SplittableRandom(Seeds.mix(variant, indices[i])));
                    System.arraycopy(loaded.pixels(), 0, data, i * plane, plane);
                } catch (UnreadableImageException e) {
                    throw new IllegalStateException("unreadable image " + e.path() + ": " + e.reason(), e);
                }
            })).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading images", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        return Nd4j.createFromArray(data).reshape(indices.length, options.channels(), options.imageSize(), options.imageSize());
    }
}
