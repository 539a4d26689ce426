package org.diffrep.datasets;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Split bookkeeping shared by the readers: each split is listed once, on first use. */
abstract class AbstractDataset implements ImageDataset {
    private final String name;
    private final Path root;
    private final Task task;
    private final List<String> splits;
    private final String trainSplit;
    private final String evalSplit;
    private final Map<String, List<Sample>> cache = new ConcurrentHashMap<>();

    AbstractDataset(String name, Path root, Task task, List<String> splits, String trainSplit, String evalSplit) {
        this.name = name;
        this.root = root;
        this.task = task;
        this.splits = List.copyOf(splits);
        this.trainSplit = trainSplit;
        this.evalSplit = evalSplit;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Path root() {
        return root;
    }

    @Override
    public final Task task() {
        return task;
    }

    @Override
    public final List<String> splits() {
        return splits;
    }

    @Override
    public final String trainSplit() {
        return trainSplit;
    }

    @Override
    public final String evalSplit() {
        return evalSplit;
    }

    @Override
    public final List<Sample> samples(String split) {
        if (!splits.contains(split)) {
            throw new IllegalArgumentException(name + " has no split \"" + split + "\"; its splits are " + splits);
        }
        return cache.computeIfAbsent(split, s -> List.copyOf(load(s)));
    }

    @Override
    public int numClasses() {
        return classNames().size();
    }

    /** Lists one split; called at most once per split. */
    protected abstract List<Sample> load(String split);

    @Override
    public String toString() {
        return name + " at " + root;
    }
}
