package org.diffrep.datasets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * ADE20K SceneParsing (ADEChallengeData2016): {@code images/{training,validation}/*.jpg} with
 * same-named single-channel PNGs under {@code annotations/}. Label 0 (other / unlabelled) is
 * ignored, 1..150 become classes 0..149. Class names come from {@code objectInfo150.txt} when present.
 */
public final class Ade20kDataset extends AbstractDataset {
    static final int CLASSES = 150;
    private static final String EXPECTED = "images/{training,validation}/*.jpg and annotations/{training,validation}/*.png";

    private final Path dir;
    private final List<String> classNames;

    private Ade20kDataset(Path root, Path dir) {
        super("ade20k", root, Task.SEMANTIC_SEGMENTATION, List.of("train", "val"), "train", "val");
        this.dir = dir;
        Layout.requireDir(name(), root, dir.resolve("images"), EXPECTED);
        Layout.requireDir(name(), root, dir.resolve("annotations"), EXPECTED);
        this.classNames = readClassNames(dir.resolve("objectInfo150.txt"));
    }

    public static Ade20kDataset open(Path root) {
        Path dir = Layout.firstContaining("images", root, root.resolve("ADEChallengeData2016"));
        return new Ade20kDataset(root, dir == null ? root : dir);
    }

    /** Tab-separated "Idx Ratio Train Val Name" with a header line; names default to "class_k". */
    private static List<String> readClassNames(Path info) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= CLASSES; i++) {
            names.add("class_" + i);
        }
        if (Files.isRegularFile(info)) {
            for (String line : Layout.lines(info)) {
                String[] f = line.split("\t");
                if (f.length >= 5 && f[0].strip().matches("\\d+")) {
                    int idx = Integer.parseInt(f[0].strip());
                    if (idx >= 1 && idx <= CLASSES) {
                        names.set(idx - 1, f[4].strip());
                    }
                }
            }
        }
        return List.copyOf(names);
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    protected List<Sample> load(String split) {
        String folder = split.equals("train") ? "training" : "validation";
        Path images = Layout.requireDir(name(), root(), dir.resolve("images").resolve(folder), "images/" + folder + "/*.jpg");
        Path labels = Layout.requireDir(name(), root(), dir.resolve("annotations").resolve(folder),
                "annotations/" + folder + "/*.png");
        List<Sample> out = new ArrayList<>();
        for (Path img : Layout.images(images)) {
            String stem = img.getFileName().toString();
            stem = stem.substring(0, stem.lastIndexOf('.'));
            out.add(Sample.withLabelMap("images/" + folder + "/" + img.getFileName(), img, labels.resolve(stem + ".png")));
        }
        return out;
    }
}
