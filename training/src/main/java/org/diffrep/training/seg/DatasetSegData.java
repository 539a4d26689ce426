package org.diffrep.training.seg;

import org.diffrep.common.UserInputException;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.Sample;
import org.diffrep.datasets.SegmentationLoader;
import org.diffrep.datasets.Task;
import org.diffrep.datasets.UnreadableImageException;
import org.diffrep.training.data.Seeds;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * A split of a semantic-segmentation dataset in its official layout (ADE20K) through
 * {@link SegmentationLoader}: training pairs under a random scale / crop / flip drawn from (variant,
 * sample), evaluation images resized whole with their annotations at full resolution. Images of a
 * batch are decoded in parallel; an unreadable one fails the batch with its path.
 */
public final class DatasetSegData implements SegData {

    private final ImageDataset dataset;
    private final String split;
    private final SegmentationLoader loader;
    private final List<Sample> samples;
    private final ForkJoinPool pool;
    private final long listHash;

    /** @param limit use only the first {@code limit} samples of the split (0 = all) */
    public DatasetSegData(ImageDataset dataset, String split, SegmentationLoader loader, int limit, int threads) {
        if (dataset.task() != Task.SEMANTIC_SEGMENTATION) {
            throw new UserInputException(dataset.name() + " has no per-pixel class labels: segmentation heads train on ade20k");
        }
        this.dataset = dataset;
        this.split = split;
        this.loader = loader;
        List<Sample> all = dataset.samples(split);
        if (all.isEmpty()) throw new UserInputException(dataset.name() + "/" + split + " has no images under " + dataset.root());
        this.samples = limit > 0 && limit < all.size() ? List.copyOf(all.subList(0, limit)) : all;
        this.pool = new ForkJoinPool(Math.max(1, threads));
        long h = 1125899906842597L;
        for (Sample s : samples) h = Seeds.mix(h, s.id().hashCode());
        this.listHash = h;
    }

    @Override
    public String describe() {
        return dataset.name() + "/" + split + " (" + samples.size() + " images, " + loader.size() + " px, list " + Long.toHexString(listHash) + ")";
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
    public List<String> classNames() {
        return dataset.classNames();
    }

    @Override
    public int channels() {
        return 3;
    }

    @Override
    public int imageSize() {
        return loader.size();
    }

    @Override
    public Batch trainBatch(int[] indices, long variant) {
        int s = loader.size();
        float[] pixels = new float[indices.length * 3 * s * s];
        int[] labels = new int[indices.length * s * s];
        parallel(indices.length, i -> {
            SegmentationLoader.Pair p = loader.loadTrain(samples.get(indices[i]), new SplittableRandom(Seeds.mix(variant, indices[i])));
            System.arraycopy(p.pixels(), 0, pixels, i * 3 * s * s, 3 * s * s);
            System.arraycopy(p.labels(), 0, labels, i * s * s, s * s);
        });
        return new Batch(Nd4j.createFromArray(pixels).reshape(indices.length, 3, s, s), labels);
    }

    @Override
    public EvalBatch evalBatch(int[] indices) {
        int s = loader.size();
        float[] pixels = new float[indices.length * 3 * s * s];
        Target[] targets = new Target[indices.length];
        parallel(indices.length, i -> {
            Sample sample = samples.get(indices[i]);
            SegmentationLoader.EvalSample e = loader.loadEval(sample);
            System.arraycopy(e.pixels(), 0, pixels, i * 3 * s * s, 3 * s * s);
            targets[i] = new Target(sample.labelMap().getFileName().toString(), e.width(), e.height(), e.labels());
        });
        return new EvalBatch(Nd4j.createFromArray(pixels).reshape(indices.length, 3, s, s), new ArrayList<>(List.of(targets)));
    }

    private interface Load {
        void run(int i) throws UnreadableImageException;
    }

    private void parallel(int n, Load load) {
        try {
            pool.submit(() -> IntStream.range(0, n).parallel().forEach(i -> {
                try {
                    load.run(i);
                } catch (UnreadableImageException e) {
                    throw new UserInputException("unreadable image " + e.path() + ": " + e.reason(), e);
                }
            })).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading images", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }
}
