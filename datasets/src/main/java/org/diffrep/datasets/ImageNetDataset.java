package org.diffrep.datasets;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.Struct;

/**
 * ILSVRC-2012 and the paper's subsets. Layout: {@code train/<wnid>/*.JPEG}; val either re-foldered
 * as {@code val/<wnid>/} or flat as extracted ({@code val/ILSVRC2012_val_%08d.JPEG}) with the
 * devkit's ground truth ({@code ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt}
 * + {@code meta.mat}) or Kaggle's {@code LOC_val_solution.csv}. The Kaggle layout
 * {@code ILSVRC/Data/CLS-LOC/{train,val}} is accepted as well. Class index = position of the wnid in
 * sorted order (torchvision's ImageFolder and the paper's code).
 */
public final class ImageNetDataset extends AbstractDataset {

    /** Which classes and training images a variant uses. */
    public enum Variant {
        /** All train folders. */
        FULL("imagenet", null),
        /** SCAN's 50 classes (imagenet_50.txt): all their train images and their 2,500 val images. */
        IN50("imagenet-50", "imagenet_50.txt"),
        /** SimCLR's 1% labelled subset: 12,811 train images, 12 or 13 per class. */
        PCT1("imagenet-1pct", "1percent.txt"),
        /** SimCLR's 10% labelled subset: 128,116 train images, 128 or 129 per class. */
        PCT10("imagenet-10pct", "10percent.txt");

        final String datasetName;
        final String resource;

        Variant(String datasetName, String resource) {
            this.datasetName = datasetName;
            this.resource = resource;
        }
    }

    static final String DEVKIT_GT = "ILSVRC2012_validation_ground_truth.txt";
    static final String KAGGLE_VAL = "LOC_val_solution.csv";

    private final Variant variant;
    private final Path base;
    private final List<String> wnids;
    private final Map<String, Integer> index = new HashMap<>();

    private ImageNetDataset(Variant variant, Path root, Path base, List<String> wnids) {
        super(variant.datasetName, root, Task.CLASSIFICATION, List.of("train", "val"), "train", "val");
        this.variant = variant;
        this.base = base;
        this.wnids = List.copyOf(wnids);
        for (int i = 0; i < wnids.size(); i++) {
            index.put(wnids.get(i), i);
        }
    }

    public static ImageNetDataset open(Variant variant, Path root) {
        String name = variant.datasetName;
        Path base = Layout.firstContaining("train", root, root.resolve("ILSVRC/Data/CLS-LOC"));
        if (base == null) {
            base = Layout.firstContaining("val", root, root.resolve("ILSVRC/Data/CLS-LOC"));
        }
        if (base == null) {
            Layout.requireDir(name, root, root.resolve("train"),
                    "train/<wnid>/*.JPEG and val/ (or Kaggle's ILSVRC/Data/CLS-LOC/{train,val})");
        }
        Path train = base.resolve("train");
        List<String> wnids;
        switch (variant) {
            case FULL -> {
                Layout.requireDir(name, root, train, "train/<wnid>/*.JPEG class folders");
                wnids = Layout.subdirectories(train);
                if (wnids.isEmpty()) {
                    throw DatasetLayoutException.missing(name, root, "train/<wnid>/ class folders (train/ has none)");
                }
            }
            case IN50 -> {
                Layout.requireDir(name, root, train, "train/<wnid>/ for the 50 ImageNet-50 classes");
                wnids = resourceLines(variant.resource).stream().map(l -> l.split("\\s+")[0]).sorted().toList();
                List<String> missing = wnids.stream().filter(w -> !Files.isDirectory(train.resolve(w))).toList();
                if (!missing.isEmpty()) {
                    throw DatasetLayoutException.missing(name, root, "train/<wnid>/ for all 50 ImageNet-50 classes; missing "
                            + missing.size() + ": " + String.join(", ", missing.subList(0, Math.min(5, missing.size())))
                            + (missing.size() > 5 ? ", ..." : ""));
                }
            }
            default -> {
                Layout.requireDir(name, root, train, "train/<wnid>/ holding the images listed in " + variant.resource);
                wnids = resourceLines(variant.resource).stream().map(ImageNetDataset::wnidOf).distinct().sorted().toList();
            }
        }
        return new ImageNetDataset(variant, root, base, wnids);
    }

    /** The shipped subset list (SimCLR's 1percent.txt / 10percent.txt, SCAN's imagenet_50.txt), one entry per line. */
    public static List<String> subsetList(Variant variant) {
        if (variant.resource == null) {
            throw new IllegalArgumentException(variant + " has no subset list");
        }
        return resourceLines(variant.resource);
    }

    private static List<String> resourceLines(String resource) {
        try (InputStream in = ImageNetDataset.class.getResourceAsStream("imagenet/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("resource imagenet/" + resource + " is missing from the jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            return r.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String wnidOf(String fileName) {
        int u = fileName.indexOf('_');
        return u > 0 ? fileName.substring(0, u) : fileName;
    }

    @Override
    public List<String> classNames() {
        return wnids;
    }

    @Override
    protected List<Sample> load(String split) {
        return split.equals("train") ? train() : val();
    }

    private List<Sample> train() {
        Path train = base.resolve("train");
        List<Sample> out = new ArrayList<>();
        if (variant == Variant.PCT1 || variant == Variant.PCT10) {
            List<String> files = new ArrayList<>(resourceLines(variant.resource));
            files.sort(null);
            for (String f : files) {
                String wnid = wnidOf(f);
                out.add(Sample.ofFile("train/" + wnid + "/" + f, train.resolve(wnid).resolve(f), index.get(wnid)));
            }
            return out;
        }
        for (String wnid : wnids) {
            Path dir = train.resolve(wnid);
            for (Path p : Layout.images(dir)) {
                out.add(Sample.ofFile("train/" + wnid + "/" + p.getFileName(), p, index.get(wnid)));
            }
        }
        return out;
    }

    private List<Sample> val() {
        Path val = Layout.requireDir(name(), root(), base.resolve("val"),
                "val/<wnid>/ folders or the flat val/ILSVRC2012_val_*.JPEG files");
        List<String> folders = Layout.subdirectories(val);
        List<Sample> out = new ArrayList<>();
        if (!folders.isEmpty()) {
            for (String wnid : folders) {
                Integer label = index.get(wnid);
                if (label == null) {
                    if (variant == Variant.IN50) {
                        continue;
                    }
                    throw new DatasetLayoutException(name() + ": val/" + wnid + " is not one of the train classes");
                }
                for (Path p : Layout.images(val.resolve(wnid))) {
                    out.add(Sample.ofFile("val/" + wnid + "/" + p.getFileName(), p, label));
                }
            }
            return out;
        }
        for (Map.Entry<String, String> e : flatValLabels().entrySet()) {
            Integer label = index.get(e.getValue());
            if (label == null) {
                if (variant == Variant.IN50) {
                    continue;
                }
                throw new DatasetLayoutException(name() + ": val image " + e.getKey() + " has class " + e.getValue()
                        + ", which has no train/ folder");
            }
            out.add(Sample.ofFile("val/" + e.getKey(), val.resolve(e.getKey()), label));
        }
        return out;
    }

    /** File name -> wnid for a flat val/ folder, sorted by file name. */
    private Map<String, String> flatValLabels() {
        Path devkit = Layout.firstContaining("data/" + DEVKIT_GT, root().resolve("ILSVRC2012_devkit_t12"),
                base.resolve("ILSVRC2012_devkit_t12"), root().resolve("devkit"));
        if (devkit != null) {
            return devkitLabels(devkit.resolve("data/" + DEVKIT_GT), devkit.resolve("data/meta.mat"));
        }
        if (Files.isRegularFile(root().resolve(DEVKIT_GT))) {
            return devkitLabels(root().resolve(DEVKIT_GT), root().resolve("meta.mat"));
        }
        if (Files.isRegularFile(root().resolve(KAGGLE_VAL))) {
            return kaggleLabels(root().resolve(KAGGLE_VAL));
        }
        throw DatasetLayoutException.missing(name(), root(), "val/<wnid>/ folders, or for a flat val/ the labels in "
                + "ILSVRC2012_devkit_t12/data/{" + DEVKIT_GT + ",meta.mat} or " + KAGGLE_VAL);
    }

    /** The devkit numbers classes by ILSVRC2012_ID (meta.mat), not by sorted wnid. */
    private Map<String, String> devkitLabels(Path groundTruth, Path metaFile) {
        Layout.requireFile(name(), root(), metaFile, "the devkit's meta.mat next to " + DEVKIT_GT);
        Map<Integer, String> idToWnid = new HashMap<>();
        try (MatFile mat = MatFiles.read(metaFile)) {
            Struct synsets = MatFiles.variable(mat, "synsets", Struct.class, metaFile);
            for (int i = 0; i < synsets.getNumElements(); i++) {
                idToWnid.put(MatFiles.intField(synsets, "ILSVRC2012_ID", i, metaFile),
                        MatFiles.stringField(synsets, "WNID", i, metaFile));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> out = new TreeMap<>();
        List<String> lines = Layout.lines(groundTruth);
        for (int i = 0; i < lines.size(); i++) {
            int id = Layout.parseInt(groundTruth, lines.get(i));
            String wnid = idToWnid.get(id);
            if (wnid == null) {
                throw new DatasetLayoutException(groundTruth + ": line " + (i + 1) + " has class id " + id
                        + ", which " + metaFile + " does not define");
            }
            out.put(String.format("ILSVRC2012_val_%08d.JPEG", i + 1), wnid);
        }
        return out;
    }

    /** Kaggle's "ImageId,PredictionString" CSV: the first token of the prediction string is the wnid. */
    private Map<String, String> kaggleLabels(Path csv) {
        Map<String, String> out = new TreeMap<>();
        List<String> lines = Layout.lines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] parts = line.split(",", 2);
            if (parts.length < 2 || parts[1].isBlank()) {
                throw new DatasetLayoutException(csv + ": malformed line \"" + line + "\"");
            }
            out.put(parts[0].strip() + ".JPEG", parts[1].strip().split("\\s+")[0]);
        }
        return out;
    }
}
