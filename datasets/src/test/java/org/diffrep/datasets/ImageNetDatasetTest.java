package org.diffrep.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.types.MatlabType;
import us.hebi.matlab.mat.types.Struct;

class ImageNetDatasetTest {
    @TempDir
    Path root;

    private static final List<String> WNIDS = List.of("n01440764", "n01443537", "n01484850");

    /** train/<wnid>/ with 2 images each, in the order the classes must get. */
    private void writeTrain() throws Exception {
        for (int c = 0; c < WNIDS.size(); c++) {
            for (int i = 0; i < 2; i++) {
                Fixtures.jpeg(root.resolve("train").resolve(WNIDS.get(c)).resolve(WNIDS.get(c) + "_" + i + ".JPEG"), 12, 10,
                        Fixtures.PALETTE[c]);
            }
        }
    }

    @Test
    void classIndexIsSortedWnidOrderAndFolderedValIsRead() throws Exception {
        // folders created in reverse order: the label must not depend on creation order
        for (int c = WNIDS.size() - 1; c >= 0; c--) {
            Fixtures.jpeg(root.resolve("val").resolve(WNIDS.get(c)).resolve("ILSVRC2012_val_0000000" + (c + 1) + ".JPEG"), 12, 10,
                    Fixtures.PALETTE[c]);
        }
        writeTrain();
        ImageDataset ds = DatasetRegistry.open("imagenet", root);
        assertThat(ds.splits()).containsExactly("train", "val");
        assertThat(ds.classNames()).isEqualTo(WNIDS);
        assertThat(ds.samples("train")).hasSize(6).extracting(Sample::label).containsExactly(0, 0, 1, 1, 2, 2);
        assertThat(ds.samples("val")).extracting(Sample::label).containsExactly(0, 1, 2);
        assertThat(ds.samples("val").get(1).id()).isEqualTo("val/n01443537/ILSVRC2012_val_00000002.JPEG");
    }

    @Test
    void flatValUsesTheDevkitGroundTruthWithIlsvrcIds() throws Exception {
        writeTrain();
        // ILSVRC2012_IDs deliberately not in wnid order: id 1 -> n01484850, 2 -> n01440764, 3 -> n01443537
        String[] byId = {"n01484850", "n01440764", "n01443537"};
        Struct synsets = Mat5.newStruct(byId.length + 1, 1);
        for (int i = 0; i < byId.length; i++) {
            synsets.set("ILSVRC2012_ID", i, Fixtures.scalar(MatlabType.Double, i + 1));
            synsets.set("WNID", i, Mat5.newString(byId[i]));
            synsets.set("words", i, Mat5.newString("class " + i));
        }
        synsets.set("ILSVRC2012_ID", byId.length, Fixtures.scalar(MatlabType.Double, 1001));
        synsets.set("WNID", byId.length, Mat5.newString("n00001740"));
        synsets.set("words", byId.length, Mat5.newString("entity"));
        Path data = root.resolve("ILSVRC2012_devkit_t12/data");
        Fixtures.mat(data.resolve("meta.mat"), Mat5.newMatFile().addArray("synsets", synsets));
        Fixtures.write(data.resolve(ImageNetDataset.DEVKIT_GT), "2\n3\n1\n2\n");
        for (int i = 1; i <= 4; i++) {
            Fixtures.jpeg(root.resolve(String.format("val/ILSVRC2012_val_%08d.JPEG", i)), 8, 8, Color.GRAY);
        }
        ImageDataset ds = DatasetRegistry.open("imagenet", root);
        // gt ids 2,3,1,2 -> n01440764 (0), n01443537 (1), n01484850 (2), n01440764 (0)
        assertThat(ds.samples("val")).extracting(Sample::label).containsExactly(0, 1, 2, 0);
        assertThat(ds.samples("val").get(2).image()).isEqualTo(root.resolve("val/ILSVRC2012_val_00000003.JPEG"));
    }

    @Test
    void flatValUsesKaggleSolutionFile() throws Exception {
        Path base = root.resolve("ILSVRC/Data/CLS-LOC");
        for (String w : WNIDS) {
            Fixtures.jpeg(base.resolve("train").resolve(w).resolve(w + "_1.JPEG"), 8, 8, Color.GRAY);
        }
        Fixtures.jpeg(base.resolve("val/ILSVRC2012_val_00000001.JPEG"), 8, 8, Color.GRAY);
        Fixtures.jpeg(base.resolve("val/ILSVRC2012_val_00000002.JPEG"), 8, 8, Color.GRAY);
        Fixtures.write(root.resolve(ImageNetDataset.KAGGLE_VAL), "ImageId,PredictionString\n"
                + "ILSVRC2012_val_00000002,n01484850 1 2 3 4 n01484850 5 6 7 8\n"
                + "ILSVRC2012_val_00000001,n01443537 1 2 3 4\n");
        ImageDataset ds = DatasetRegistry.open("imagenet", root);
        assertThat(ds.samples("val")).extracting(Sample::id, Sample::label)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("val/ILSVRC2012_val_00000001.JPEG", 1),
                        org.assertj.core.groups.Tuple.tuple("val/ILSVRC2012_val_00000002.JPEG", 2));
    }

    @Test
    void flatValWithoutLabelsNamesTheExpectedFiles() throws Exception {
        writeTrain();
        Fixtures.jpeg(root.resolve("val/ILSVRC2012_val_00000001.JPEG"), 8, 8, Color.GRAY);
        ImageDataset ds = DatasetRegistry.open("imagenet", root);
        assertThatThrownBy(() -> ds.samples("val")).isInstanceOf(DatasetLayoutException.class)
                .hasMessageContaining("ILSVRC2012_validation_ground_truth.txt").hasMessageContaining("LOC_val_solution.csv");
    }

    @Test
    void wrongRootGivesOneClearMessage() {
        assertThatThrownBy(() -> DatasetRegistry.open("imagenet", root.resolve("nope")))
                .isInstanceOf(DatasetLayoutException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> DatasetRegistry.open("imagenet", root))
                .isInstanceOf(DatasetLayoutException.class).hasMessageContaining("train/<wnid>/*.JPEG");
    }

    @Test
    void simclrSubsetListsHaveTheOfficialCountsAndClassBalance() {
        assertBalanced(ImageNetDataset.subsetList(ImageNetDataset.Variant.PCT1), 12_811, Map.of(12, 189, 13, 811));
        assertBalanced(ImageNetDataset.subsetList(ImageNetDataset.Variant.PCT10), 128_116, Map.of(128, 884, 129, 116));
        assertThat(ImageNetDataset.subsetList(ImageNetDataset.Variant.PCT1).get(0)).isEqualTo("n04235860_14959.JPEG");
    }

    private static void assertBalanced(List<String> files, int count, Map<Integer, Integer> classesPerSize) {
        assertThat(files).hasSize(count).doesNotHaveDuplicates().allMatch(f -> f.matches("n\\d{8}_\\d+\\.JPEG"));
        Map<String, Long> perClass = files.stream().collect(Collectors.groupingBy(f -> f.substring(0, 9), Collectors.counting()));
        assertThat(perClass).hasSize(1000);
        Map<Integer, Integer> histogram = new TreeMap<>();
        perClass.values().forEach(n -> histogram.merge(n.intValue(), 1, Integer::sum));
        assertThat(histogram).isEqualTo(classesPerSize);
    }

    @Test
    void imageNet50UsesTheScanClassesInSortedOrder() throws Exception {
        List<String> in50 = ImageNetDataset.subsetList(ImageNetDataset.Variant.IN50).stream().map(l -> l.split(" ")[0]).toList();
        assertThat(in50).hasSize(50).isSorted().startsWith("n01601694").endsWith("n07753592");
        assertThatThrownBy(() -> DatasetRegistry.open("imagenet-50", root.resolve("x")))
                .isInstanceOf(DatasetLayoutException.class);
        Files.createDirectories(root.resolve("train/n01601694"));
        assertThatThrownBy(() -> DatasetRegistry.open("imagenet-50", root))
                .hasMessageContaining("missing 49").hasMessageContaining("n01669191");
        byte[] img = Fixtures.jpegBytes(8, 8, Color.ORANGE);
        for (String w : in50) {
            Files.createDirectories(root.resolve("train").resolve(w));
            Files.write(root.resolve("train").resolve(w).resolve(w + "_1.JPEG"), img);
            Files.createDirectories(root.resolve("val").resolve(w));
            Files.write(root.resolve("val").resolve(w).resolve("v.JPEG"), img);
        }
        // an extra ImageNet class beside the 50 is ignored, as create_imagenet_50.py copies only the 50
        Fixtures.jpeg(root.resolve("train/n01440764/n01440764_1.JPEG"), 8, 8, Color.ORANGE);
        Fixtures.jpeg(root.resolve("val/n01440764/v.JPEG"), 8, 8, Color.ORANGE);
        ImageDataset ds = DatasetRegistry.open("imagenet-50", root);
        assertThat(ds.numClasses()).isEqualTo(50);
        assertThat(ds.samples("train")).hasSize(50);
        assertThat(ds.samples("val")).hasSize(50).extracting(Sample::label).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void onePercentSubsetReadsExactlyTheListedTrainImages() throws Exception {
        List<String> files = ImageNetDataset.subsetList(ImageNetDataset.Variant.PCT1);
        byte[] img = Fixtures.jpegBytes(8, 8, Color.PINK);
        for (String f : files.subList(0, 20)) {
            Path p = root.resolve("train").resolve(f.substring(0, 9)).resolve(f);
            Files.createDirectories(p.getParent());
            Files.write(p, img);
        }
        Fixtures.jpeg(root.resolve("train/n01440764/n01440764_999999.JPEG"), 8, 8, Color.PINK);
        Fixtures.jpeg(root.resolve("val/n01440764/v.JPEG"), 8, 8, Color.PINK);
        ImageDataset ds = DatasetRegistry.open("imagenet-1pct", root);
        assertThat(ds.numClasses()).isEqualTo(1000);
        List<Sample> train = ds.samples("train");
        assertThat(train).hasSize(12_811).noneMatch(s -> s.id().contains("999999"));
        Sample first = train.stream().filter(s -> s.id().endsWith(files.get(0))).findFirst().orElseThrow();
        assertThat(ds.classNames().get(first.label())).isEqualTo("n04235860");
        DatasetChecker.Result check = DatasetChecker.check(ds, false, 2, 1.0);
        // all but the 20 written files are reported missing
        assertThat(check.unreadable()).hasSize(12_811 - 20).containsValue("missing file");
        assertThat(check.splits().get(0).classes()).isEqualTo(1000);
    }
}
