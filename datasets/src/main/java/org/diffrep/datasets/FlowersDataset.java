package org.diffrep.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.Matrix;

/**
 * Oxford Flowers-102: {@code jpg/image_%05d.jpg}, {@code imagelabels.mat} ({@code labels}, 1..102 per
 * image), {@code setid.mat} ({@code trnid}, {@code valid}, {@code tstid}: 1-based image numbers).
 * The paper trains on train+val (2,040 images), exposed as "trainval". The dataset ships no class
 * names, so they are the label numbers "1".."102".
 */
public final class FlowersDataset extends AbstractDataset {
    private static final String EXPECTED = "jpg/image_NNNNN.jpg, imagelabels.mat and setid.mat";

    private final int[] labels;
    private final int[] train;
    private final int[] val;
    private final int[] test;
    private final List<String> classNames;

    private FlowersDataset(Path root) {
        super("flowers", root, Task.CLASSIFICATION, List.of("train", "val", "trainval", "test"), "trainval", "test");
        Path labelsFile = Layout.requireFile(name(), root, root.resolve("imagelabels.mat"), EXPECTED);
        Path setFile = Layout.requireFile(name(), root, root.resolve("setid.mat"), EXPECTED);
        Layout.requireDir(name(), root, root.resolve("jpg"), EXPECTED);
        try (MatFile l = MatFiles.read(labelsFile); MatFile s = MatFiles.read(setFile)) {
            labels = MatFiles.ints(MatFiles.variable(l, "labels", Matrix.class, labelsFile));
            train = MatFiles.ints(MatFiles.variable(s, "trnid", Matrix.class, setFile));
            val = MatFiles.ints(MatFiles.variable(s, "valid", Matrix.class, setFile));
            test = MatFiles.ints(MatFiles.variable(s, "tstid", Matrix.class, setFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int max = 0;
        for (int v : labels) {
            if (v < 1) {
                throw new DatasetLayoutException(labelsFile + ": label " + v + " is not in 1..102");
            }
            max = Math.max(max, v);
        }
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= max; i++) {
            names.add(Integer.toString(i));
        }
        classNames = List.copyOf(names);
    }

    public static FlowersDataset open(Path root) {
        Path dir = Layout.firstContaining("imagelabels.mat", root, root.resolve("flowers-102"), root.resolve("102flowers"));
        return new FlowersDataset(dir == null ? root : dir);
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    protected List<Sample> load(String split) {
        List<Sample> out = new ArrayList<>();
        switch (split) {
            case "train" -> add(train, out);
            case "val" -> add(val, out);
            case "trainval" -> {
                add(train, out);
                add(val, out);
            }
            default -> add(test, out);
        }
        return out;
    }

    private void add(int[] ids, List<Sample> out) {
        Path jpg = root().resolve("jpg");
        for (int id : ids) {
            if (id < 1 || id > labels.length) {
                throw new DatasetLayoutException(root().resolve("setid.mat") + ": image number " + id
                        + " outside 1.." + labels.length + " (imagelabels.mat)");
            }
            String file = String.format("image_%05d.jpg", id);
            out.add(Sample.ofFile("jpg/" + file, jpg.resolve(file), labels[id - 1] - 1));
        }
    }
}
