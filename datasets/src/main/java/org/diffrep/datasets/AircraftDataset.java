package org.diffrep.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * FGVC-Aircraft 2013b, variant level (100 classes, in the order of {@code variants.txt}, as
 * torchvision). Root: {@code fgvc-aircraft-2013b/}, its {@code data/} folder, or their parent.
 * Splits: train, val, trainval, test from {@code images_variant_<split>.txt} ("image id, variant
 * name", names may contain spaces).
 */
public final class AircraftDataset extends AbstractDataset {
    private final Path data;
    private final List<String> variants;
    private final Map<String, Integer> index = new HashMap<>();

    private AircraftDataset(Path root, Path data) {
        super("aircraft", root, Task.CLASSIFICATION, List.of("train", "val", "trainval", "test"), "trainval", "test");
        this.data = data;
        Path variantsTxt = Layout.requireFile(name(), root, data.resolve("variants.txt"),
                "data/variants.txt, data/images_variant_{train,val,trainval,test}.txt and data/images/");
        this.variants = Layout.lines(variantsTxt);
        for (int i = 0; i < variants.size(); i++) {
            index.put(variants.get(i), i);
        }
    }

    public static AircraftDataset open(Path root) {
        Path data = Layout.firstContaining("variants.txt", root, root.resolve("data"),
                root.resolve("fgvc-aircraft-2013b/data"));
        return new AircraftDataset(root, data == null ? root.resolve("data") : data);
    }

    @Override
    public List<String> classNames() {
        return variants;
    }

    @Override
    protected List<Sample> load(String split) {
        Path list = Layout.requireFile(name(), root(), data.resolve("images_variant_" + split + ".txt"),
                "data/images_variant_" + split + ".txt");
        Path images = Layout.requireDir(name(), root(), data.resolve("images"), "data/images/<id>.jpg");
        List<Sample> out = new ArrayList<>();
        for (String line : Layout.lines(list)) {
            String[] p = Layout.splitFirst(list, line);
            Integer label = index.get(p[1]);
            if (label == null) {
                throw new DatasetLayoutException(list + ": variant \"" + p[1] + "\" is not in variants.txt");
            }
            out.add(Sample.ofFile("images/" + p[0] + ".jpg", images.resolve(p[0] + ".jpg"), label));
        }
        return out;
    }
}
