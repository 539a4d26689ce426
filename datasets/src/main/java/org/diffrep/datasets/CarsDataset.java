package org.diffrep.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import us.hebi.matlab.mat.types.Cell;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.Struct;

/**
 * Stanford Cars (196 classes, ids 1..196 to 0..195). Either the devkit layout ({@code cars_train/},
 * {@code cars_test/}, {@code devkit/cars_train_annos.mat}, {@code devkit/cars_meta.mat}, test labels
 * from {@code cars_test_annos_withlabels.mat} in the root or devkit/) or the single-file layout
 * ({@code car_ims/} with {@code cars_annos.mat}, whose {@code test} field marks the split).
 */
public final class CarsDataset extends AbstractDataset {
    private static final String DEVKIT = "cars_train/, cars_test/, devkit/cars_train_annos.mat and devkit/cars_meta.mat"
            + " (or car_ims/ with cars_annos.mat)";
    static final String TEST_LABELS = "cars_test_annos_withlabels.mat";

    private final Path dir;
    private final boolean singleFile;
    private final List<String> classNames;

    private CarsDataset(Path root, Path dir, boolean singleFile) {
        super("cars", root, Task.CLASSIFICATION, List.of("train", "test"), "train", "test");
        this.dir = dir;
        this.singleFile = singleFile;
        Path meta = singleFile ? dir.resolve("cars_annos.mat")
                : Layout.requireFile(name(), root, dir.resolve("devkit/cars_meta.mat"), DEVKIT);
        try (MatFile mat = MatFiles.read(meta)) {
            this.classNames = MatFiles.strings(MatFiles.variable(mat, "class_names", Cell.class, meta), meta);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static CarsDataset open(Path root) {
        for (Path dir : List.of(root, root.resolve("stanford_cars"))) {
            if (Files.isDirectory(dir.resolve("devkit"))) {
                return new CarsDataset(root, dir, false);
            }
            if (Files.isRegularFile(dir.resolve("cars_annos.mat"))) {
                return new CarsDataset(root, dir, true);
            }
        }
        Layout.requireRoot("cars", root);
        throw DatasetLayoutException.missing("cars", root, DEVKIT);
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    protected List<Sample> load(String split) {
        return singleFile ? loadSingleFile(split) : loadDevkit(split);
    }

    private List<Sample> loadDevkit(String split) {
        Path annos;
        if (split.equals("train")) {
            annos = Layout.requireFile(name(), root(), dir.resolve("devkit/cars_train_annos.mat"), DEVKIT);
        } else {
            Path inRoot = dir.resolve(TEST_LABELS);
            annos = Files.isRegularFile(inRoot) ? inRoot : Layout.requireFile(name(), root(), dir.resolve("devkit/" + TEST_LABELS),
                    TEST_LABELS + " (the labelled test annotations, released separately from the devkit) in the root or devkit/");
        }
        Path images = Layout.requireDir(name(), root(), dir.resolve("cars_" + split), "cars_" + split + "/*.jpg");
        List<Sample> out = new ArrayList<>();
        try (MatFile mat = MatFiles.read(annos)) {
            Struct a = MatFiles.variable(mat, "annotations", Struct.class, annos);
            for (int i = 0; i < a.getNumElements(); i++) {
                String fname = MatFiles.stringField(a, "fname", i, annos);
                int label = label(MatFiles.intField(a, "class", i, annos), annos);
                out.add(Sample.ofFile("cars_" + split + "/" + fname, images.resolve(fname), label));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private List<Sample> loadSingleFile(String split) {
        Path annos = dir.resolve("cars_annos.mat");
        boolean test = split.equals("test");
        List<Sample> out = new ArrayList<>();
        try (MatFile mat = MatFiles.read(annos)) {
            Struct a = MatFiles.variable(mat, "annotations", Struct.class, annos);
            for (int i = 0; i < a.getNumElements(); i++) {
                if ((MatFiles.intField(a, "test", i, annos) == 1) == test) {
                    String rel = MatFiles.stringField(a, "relative_im_path", i, annos);
                    out.add(Sample.ofFile(rel, dir.resolve(rel), label(MatFiles.intField(a, "class", i, annos), annos)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private int label(int classId, Path file) {
        if (classId < 1 || classId > classNames.size()) {
            throw new DatasetLayoutException(file + ": class " + classId + " outside 1.." + classNames.size());
        }
        return classId - 1;
    }
}
