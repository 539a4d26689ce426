package org.diffrep.datasets;

import java.nio.file.Path;
import java.util.List;

/** A classification dataset over explicit samples, for testing the loader without a layout. */
final class ListDataset extends AbstractDataset {
    private final List<Sample> samples;
    private final List<String> classes;

    ListDataset(List<Sample> samples, List<String> classes) {
        super("test", Path.of("."), Task.CLASSIFICATION, List.of("train"), "train", "train");
        this.samples = samples;
        this.classes = classes;
    }

    static ListDataset ofFiles(Path... files) {
        List<Sample> s = new java.util.ArrayList<>();
        for (int i = 0; i < files.length; i++) {
            s.add(Sample.ofFile(files[i].getFileName().toString(), files[i], 0));
        }
        return new ListDataset(s, List.of("only"));
    }

    @Override
    public List<String> classNames() {
        return classes;
    }

    @Override
    protected List<Sample> load(String split) {
        return samples;
    }
}
