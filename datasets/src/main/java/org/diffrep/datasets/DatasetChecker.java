package org.diffrep.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Validates a dataset root: lists every official split and looks at every file. The default check
 * reads only each file's signature and end marker (fast enough for ImageNet's 1.33M files; catches
 * missing, empty, truncated and non-image files); {@code decode} runs the full decoder on each.
 */
public final class DatasetChecker {

    /** Counts of one split; classes = distinct labels present (COCO: categories with objects; ADE20K: 150). */
    public record SplitSummary(String split, int images, int classes, LoadReport report) {}

    public record Result(String dataset, Path root, List<SplitSummary> splits) {
        /** Unreadable files over all splits, each once (splits like trainval repeat files). */
        public Map<String, String> unreadable() {
            Map<String, String> out = new LinkedHashMap<>();
            for (SplitSummary s : splits) {
                for (LoadReport.Problem p : s.report.problems()) {
                    out.putIfAbsent(p.path(), p.reason());
                }
            }
            return out;
        }

        /** True when some split has more unreadable files than tolerated. */
        public boolean failed() {
            return splits.stream().anyMatch(s -> s.report.exceeded());
        }
    }

    private DatasetChecker() {}

    public static Result check(ImageDataset dataset, boolean decode, int threads, double maxBadFraction) {
        List<SplitSummary> out = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "diffrep-check");
            t.setDaemon(true);
            return t;
        });
        try {
            for (String split : dataset.splits()) {
                out.add(checkSplit(dataset, split, decode, maxBadFraction, pool));
            }
        } finally {
            pool.shutdownNow();
        }
        return new Result(dataset.name(), dataset.root(), out);
    }

    private static SplitSummary checkSplit(ImageDataset dataset, String split, boolean decode, double maxBadFraction,
                                           ExecutorService pool) {
        List<Sample> samples = dataset.samples(split);
        LoadReport report = new LoadReport(dataset.name(), split, samples.size(), maxBadFraction);
        SampleLoader loader = decode ? new SampleLoader(dataset, split, LoaderOptions.evaluation(32)) : null;
        int chunk = 256;
        List<Future<?>> futures = new ArrayList<>();
        for (int start = 0; start < samples.size(); start += chunk) {
            List<Sample> part = samples.subList(start, Math.min(samples.size(), start + chunk));
            futures.add(pool.submit(() -> {
                for (Sample s : part) {
                    checkSample(s, loader, report);
                }
            }));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("checking " + dataset.name() + " " + split + " failed", e.getCause());
            }
        }
        return new SplitSummary(split, samples.size(), classes(dataset, samples), report);
    }

    private static void checkSample(Sample s, SampleLoader loader, LoadReport report) {
        if (loader != null) {
            try {
                loader.load(s, new SplittableRandom(0));
            } catch (UnreadableImageException e) {
                report.add(e.path(), e.reason());
            }
            return;
        }
        for (Path file : new Path[] {s.image(), s.labelMap()}) {
            if (file != null) {
                String problem = ImageFiles.quickProblem(file);
                if (problem != null) {
                    report.add(file.toString(), problem);
                }
            }
        }
    }

    private static int classes(ImageDataset dataset, List<Sample> samples) {
        if (dataset.task() == Task.SEMANTIC_SEGMENTATION) {
            return dataset.numClasses();
        }
        Set<Integer> seen = new HashSet<>();
        for (Sample s : samples) {
            if (dataset.task() == Task.CLASSIFICATION) {
                seen.add(s.label());
            } else {
                for (CocoObject o : s.objects()) {
                    seen.add(o.category());
                }
            }
        }
        return seen.size();
    }
}
