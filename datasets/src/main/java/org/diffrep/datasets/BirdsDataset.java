package org.diffrep.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * CUB-200-2011 and NABirds, which share one annotation format: {@code images.txt} (id, path under
 * images/), {@code image_class_labels.txt} (id, class id), {@code train_test_split.txt} (id, 1 for
 * train), {@code classes.txt} (class id, name). CUB's ids 1..200 map to 0..199. NABirds labels only
 * its 555 leaf classes, whose ids are sparse among 1,011 hierarchy nodes: the used ids, sorted,
 * map to 0..554.
 */
public final class BirdsDataset extends AbstractDataset {
    private static final String FILES = "images/, images.txt, image_class_labels.txt, train_test_split.txt and classes.txt";

    private final Path dir;
    private final List<String> classNames;
    private final Map<String, Integer> labelOf = new HashMap<>();
    private final Map<String, Boolean> isTrain = new HashMap<>();
    private final List<String[]> images = new ArrayList<>();

    private BirdsDataset(String name, Path root, Path dir) {
        super(name, root, Task.CLASSIFICATION, List.of("train", "test"), "train", "test");
        this.dir = dir;
        Path imagesTxt = Layout.requireFile(name, root, dir.resolve("images.txt"), FILES);
        Path labelsTxt = Layout.requireFile(name, root, dir.resolve("image_class_labels.txt"), FILES);
        Path splitTxt = Layout.requireFile(name, root, dir.resolve("train_test_split.txt"), FILES);
        Path classesTxt = Layout.requireFile(name, root, dir.resolve("classes.txt"), FILES);
        Layout.requireDir(name, root, dir.resolve("images"), FILES);

        Map<String, Integer> classIdOf = new HashMap<>();
        TreeSet<Integer> used = new TreeSet<>();
        for (String line : Layout.lines(labelsTxt)) {
            String[] p = Layout.splitFirst(labelsTxt, line);
            int id = Layout.parseInt(labelsTxt, p[1]);
            classIdOf.put(p[0], id);
            used.add(id);
        }
        Map<Integer, String> names = new HashMap<>();
        for (String line : Layout.lines(classesTxt)) {
            String[] p = Layout.splitFirst(classesTxt, line);
            names.put(Layout.parseInt(classesTxt, p[0]), p[1]);
        }
        Map<Integer, Integer> dense = new HashMap<>();
        List<String> classes = new ArrayList<>();
        for (int id : used) {
            dense.put(id, classes.size());
            classes.add(names.getOrDefault(id, Integer.toString(id)));
        }
        this.classNames = List.copyOf(classes);
        classIdOf.forEach((img, id) -> labelOf.put(img, dense.get(id)));
        for (String line : Layout.lines(splitTxt)) {
            String[] p = Layout.splitFirst(splitTxt, line);
            isTrain.put(p[0], Layout.parseInt(splitTxt, p[1]) == 1);
        }
        for (String line : Layout.lines(imagesTxt)) {
            String[] p = Layout.splitFirst(imagesTxt, line);
            if (!labelOf.containsKey(p[0]) || !isTrain.containsKey(p[0])) {
                throw new DatasetLayoutException(name + ": image " + p[0] + " of images.txt has no entry in "
                        + (labelOf.containsKey(p[0]) ? "train_test_split.txt" : "image_class_labels.txt"));
            }
            images.add(p);
        }
    }

    /** Root: the extracted {@code CUB_200_2011/} folder or the folder containing it. */
    public static BirdsDataset cub(Path root) {
        Path dir = Layout.firstContaining("images.txt", root, root.resolve("CUB_200_2011"));
        return new BirdsDataset("cub", root, dir == null ? root : dir);
    }

    /** Root: the extracted {@code nabirds/} folder or the folder containing it. */
    public static BirdsDataset nabirds(Path root) {
        Path dir = Layout.firstContaining("images.txt", root, root.resolve("nabirds"));
        return new BirdsDataset("nabirds", root, dir == null ? root : dir);
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    protected List<Sample> load(String split) {
        boolean train = split.equals("train");
        Path imagesDir = dir.resolve("images");
        List<Sample> out = new ArrayList<>();
        for (String[] img : images) {
            if (isTrain.get(img[0]) == train) {
                out.add(Sample.ofFile("images/" + img[1], imagesDir.resolve(img[1]), labelOf.get(img[0])));
            }
        }
        return out;
    }
}
