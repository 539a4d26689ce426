package org.diffrep.datasets;

import org.diffrep.common.cli.Cli;
import org.nd4j.linalg.dataset.DataSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code diffrep datasets bench}: images per second through {@link ImageBatchIterator} (read, decode,
 * resize, crop, flip, to [-1, 1] NCHW batches) for one or more thread counts. With
 * {@code --synthetic N} it first writes N photo-like 500x375 JPEGs to a temporary folder.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure loading throughput (decode + resize + crop) in images per second.")
public final class DatasetsBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", completionCandidates = DatasetsCommand.Names.class,
            description = "One of: ${COMPLETION-CANDIDATES} (default: imagenet, for --synthetic).")
    String dataset = "imagenet";

    @Option(names = "--root", description = "Dataset root; omit with --synthetic.")
    Path root;

    @Option(names = "--split", description = "Split to read (default: the dataset's training split).")
    String split;

    @Option(names = "--synthetic", paramLabel = "N", description = "Bench on N generated photo-like JPEGs instead of --root.")
    int synthetic;

    @Option(names = "--synthetic-size", split = "x", paramLabel = "WxH", description = "Size of generated images (default: 500x375).")
    int[] syntheticSize = {500, 375};

    @Option(names = "--size", description = "Output side S (default: ${DEFAULT-VALUE}).")
    int size = 256;

    @Option(names = "--threads", split = ",", description = "Decode thread counts to try, e.g. 1,2 (default: all cores).")
    List<Integer> threads = List.of(Runtime.getRuntime().availableProcessors());

    @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch = 32;

    @Option(names = "--limit", description = "Images to time per run, after one warm-up batch (default: ${DEFAULT-VALUE}).")
    int limit = 1024;

    @Mixin
    UnreadableOptions unreadable;

    @Option(names = "--train", description = "Training transform (random flip) instead of evaluation.")
    boolean train;

    public static void main(String[] args) {
        Cli.main(new DatasetsBenchCommand(), args);
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path tmp = null;
        try {
            Path dataRoot = root;
            String name = dataset;
            if (synthetic > 0) {
                tmp = Files.createTempDirectory("diffrep-bench");
                out.printf("writing %d synthetic %dx%d JPEGs to %s%n", synthetic, syntheticSize[0], syntheticSize[1], tmp);
                out.flush();
                SyntheticImages.writeImageNetLike(tmp, synthetic, 10, syntheticSize[0], syntheticSize[1], 1);
                dataRoot = tmp;
                name = "imagenet";
            } else if (root == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give --root DIR or --synthetic N");
            }
            ImageDataset ds = DatasetRegistry.open(name, dataRoot);
            String s = split != null ? split : ds.trainSplit();
            for (int t : threads) {
                Rate rate = run(ds, s, t);
                out.printf("%s %s: %.1f images/s, %.2f CPU ms/image (S=%d, batch %d, %d decode thread%s, %d cores)%n", name, s,
                        rate.imagesPerSecond, rate.cpuMillisPerImage, size, batch, t, t == 1 ? "" : "s",
                        Runtime.getRuntime().availableProcessors());
                for (LoadReport.Problem p : rate.unreadable.problems()) {
                    out.printf("  skipped %s: %s%n", p.path(), p.reason());
                }
                out.flush();
            }
            return 0;
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    /** Wall-clock rate, and CPU time per image over all threads (what the rate would be per idle core, inverted). */
    private record Rate(double imagesPerSecond, double cpuMillisPerImage, LoadReport unreadable) {}

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private Rate run(ImageDataset ds, String s, int threadCount) {
        LoaderOptions options = LoaderOptions.evaluation(size).withTrain(train).withShuffle(true).withBatchSize(batch)
                .withThreads(threadCount);
        try (ImageBatchIterator it = new ImageBatchIterator(ds, s, unreadable.apply(options))) {
            if (it.hasNext()) {
                it.next();
            }
            long start = System.nanoTime();
            long cpuStart = processCpuNanos();
            int images = 0;
            while (images < limit) {
                if (!it.hasNext()) {
                    it.reset();
                    if (!it.hasNext()) {
                        break;
                    }
                }
                DataSet d = it.next();
                images += (int) d.getFeatures().size(0);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Rate(images / seconds, (processCpuNanos() - cpuStart) / 1e6 / images, it.report());
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
