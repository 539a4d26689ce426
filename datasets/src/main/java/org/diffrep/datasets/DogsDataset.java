package org.diffrep.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import us.hebi.matlab.mat.types.Cell;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.Matrix;

/**
 * Stanford Dogs (120 classes, labels 1..120 to 0..119). {@code Images/<wnid>-<breed>/*.jpg} with
 * {@code train_list.mat} / {@code test_list.mat} ({@code file_list} relative to Images/, {@code labels})
 * from lists.tar, extracted either into the root or into {@code lists/}. Class names are the breed
 * folder names.
 */
public final class DogsDataset extends AbstractDataset {
    private static final String EXPECTED = "Images/<wnid>-<breed>/ and train_list.mat, test_list.mat (in the root or lists/)";

    private final Path lists;
    private final TreeMap<Integer, String> folders = new TreeMap<>();
    private final List<String> classNames;

    private DogsDataset(Path root, Path lists) {
        super("dogs", root, Task.CLASSIFICATION, List.of("train", "test"), "train", "test");
        this.lists = lists;
        Layout.requireDir(name(), root, root.resolve("Images"), EXPECTED);
        for (String split : splits()) {
            read(split, (file, label) -> folders.putIfAbsent(label, file.substring(0, Math.max(0, file.indexOf('/')))));
        }
        int n = folders.isEmpty() ? 0 : folders.lastKey() + 1;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(folders.getOrDefault(i, "class_" + (i + 1)));
        }
        this.classNames = List.copyOf(names);
    }

    public static DogsDataset open(Path root) {
        Path lists = Layout.firstContaining("train_list.mat", root, root.resolve("lists"));
        return new DogsDataset(root, lists == null ? root : lists);
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    protected List<Sample> load(String split) {
        Path images = root().resolve("Images");
        List<Sample> out = new ArrayList<>();
        read(split, (file, label) -> out.add(Sample.ofFile("Images/" + file, images.resolve(file), label)));
        return out;
    }

    private interface Entry {
        void accept(String file, int label);
    }

    private void read(String split, Entry sink) {
        Path file = Layout.requireFile(name(), root(), lists.resolve(split + "_list.mat"), EXPECTED);
        try (MatFile mat = MatFiles.read(file)) {
            List<String> files = MatFiles.strings(MatFiles.variable(mat, "file_list", Cell.class, file), file);
            int[] labels = MatFiles.ints(MatFiles.variable(mat, "labels", Matrix.class, file));
            if (files.size() != labels.length) {
                throw new DatasetLayoutException(file + ": " + files.size() + " files but " + labels.length + " labels");
            }
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 1) {
                    throw new DatasetLayoutException(file + ": label " + labels[i] + " of " + files.get(i) + " is not in 1..120");
                }
                sink.accept(files.get(i), labels[i] - 1);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
