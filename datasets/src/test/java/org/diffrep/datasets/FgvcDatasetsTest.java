package org.diffrep.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.types.MatlabType;
import us.hebi.matlab.mat.types.Struct;

/** Miniature copies of the six fine-grained datasets, with their real annotation formats. */
class FgvcDatasetsTest {
    @TempDir
    Path root;

    @Test
    void cubReadsItsTextFilesAndMapsClassIdsToZeroBased() throws Exception {
        Path cub = root.resolve("CUB_200_2011");
        String[] folders = {"001.Black_footed_Albatross", "002.Laysan_Albatross"};
        StringBuilder images = new StringBuilder();
        StringBuilder labels = new StringBuilder();
        StringBuilder split = new StringBuilder();
        int id = 1;
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < 3; i++, id++) {
                String rel = folders[c] + "/img_" + id + ".jpg";
                Fixtures.jpeg(cub.resolve("images").resolve(rel), 10, 8, Fixtures.PALETTE[c]);
                images.append(id).append(' ').append(rel).append('\n');
                labels.append(id).append(' ').append(c + 1).append('\n');
                split.append(id).append(' ').append(i < 2 ? 1 : 0).append('\n');
            }
        }
        Fixtures.write(cub.resolve("images.txt"), images.toString());
        Fixtures.write(cub.resolve("image_class_labels.txt"), labels.toString());
        Fixtures.write(cub.resolve("train_test_split.txt"), split.toString());
        Fixtures.write(cub.resolve("classes.txt"), "1 " + folders[0] + "\n2 " + folders[1] + "\n");

        ImageDataset ds = DatasetRegistry.open("cub", root);
        assertThat(ds.splits()).containsExactly("train", "test");
        assertThat(ds.classNames()).containsExactly(folders);
        assertThat(ds.samples("train")).extracting(Sample::label).containsExactly(0, 0, 1, 1);
        assertThat(ds.samples("test")).extracting(Sample::id, Sample::label)
                .containsExactly(tuple("images/001.Black_footed_Albatross/img_3.jpg", 0),
                        tuple("images/002.Laysan_Albatross/img_6.jpg", 1));

        Files.delete(cub.resolve("train_test_split.txt"));
        assertThatThrownBy(() -> DatasetRegistry.open("cub", root)).isInstanceOf(DatasetLayoutException.class)
                .hasMessageContaining("train_test_split.txt");
    }

    @Test
    void nabirdsRemapsSparseLeafIdsToDenseLabels() throws Exception {
        Path nab = root.resolve("nabirds");
        // hierarchy nodes 1..3 are never used as labels; leaves 295, 817 and 1010 are
        int[] leafIds = {817, 295, 1010};
        StringBuilder images = new StringBuilder();
        StringBuilder labels = new StringBuilder();
        StringBuilder split = new StringBuilder();
        for (int i = 0; i < leafIds.length; i++) {
            String uuid = "0000139e-21dc-4d0c-bfe1-4cae3c85c8" + (10 + i);
            String rel = String.format("%04d/%s.jpg", leafIds[i], uuid.replace("-", ""));
            Fixtures.jpeg(nab.resolve("images").resolve(rel), 9, 9, Fixtures.PALETTE[i]);
            images.append(uuid).append(' ').append(rel).append('\n');
            labels.append(uuid).append(' ').append(leafIds[i]).append('\n');
            split.append(uuid).append(' ').append(i == 2 ? 0 : 1).append('\n');
        }
        Fixtures.write(nab.resolve("images.txt"), images.toString());
        Fixtures.write(nab.resolve("image_class_labels.txt"), labels.toString());
        Fixtures.write(nab.resolve("train_test_split.txt"), split.toString());
        Fixtures.write(nab.resolve("classes.txt"), "0 Birds\n1 Perching Birds\n295 Oak Titmouse\n817 Cooper's Hawk (Adult)\n"
                + "1010 Red-shouldered Hawk\n");
        ImageDataset ds = DatasetRegistry.open("nabirds", nab);
        assertThat(ds.classNames()).containsExactly("Oak Titmouse", "Cooper's Hawk (Adult)", "Red-shouldered Hawk");
        assertThat(ds.samples("train")).extracting(Sample::label).containsExactly(1, 0);
        assertThat(ds.samples("test")).extracting(Sample::label).containsExactly(2);
    }

    @Test
    void aircraftHasFourSplitsAndVariantNamesWithSpaces() throws Exception {
        Path data = root.resolve("fgvc-aircraft-2013b/data");
        Fixtures.write(data.resolve("variants.txt"), "707-320\nA300B4\nCessna 172\n");
        String[][] splits = {{"train", "1025794 707-320\n1340192 Cessna 172\n"}, {"val", "0056978 A300B4\n"},
                {"trainval", "1025794 707-320\n1340192 Cessna 172\n0056978 A300B4\n"}, {"test", "0062765 Cessna 172\n"}};
        for (String[] s : splits) {
            Fixtures.write(data.resolve("images_variant_" + s[0] + ".txt"), s[1]);
        }
        for (String id : List.of("1025794", "1340192", "0056978", "0062765")) {
            Fixtures.jpeg(data.resolve("images/" + id + ".jpg"), 12, 9, Color.WHITE);
        }
        ImageDataset ds = DatasetRegistry.open("aircraft", root);
        assertThat(ds.splits()).containsExactly("train", "val", "trainval", "test");
        assertThat(ds.trainSplit()).isEqualTo("trainval");
        assertThat(ds.samples("trainval")).extracting(Sample::label).containsExactly(0, 2, 1);
        assertThat(ds.samples("test")).extracting(Sample::id).containsExactly("images/0062765.jpg");
        assertThat(DatasetChecker.check(ds, true, 1, 0).unreadable()).isEmpty();
    }

    private static Struct carAnnotations(String[] fnames, int[] classes, boolean withClass) {
        Struct a = Mat5.newStruct(1, fnames.length);
        for (int i = 0; i < fnames.length; i++) {
            a.set("bbox_x1", i, Fixtures.scalar(MatlabType.UInt8, 1));
            a.set("bbox_y1", i, Fixtures.scalar(MatlabType.UInt8, 2));
            a.set("bbox_x2", i, Fixtures.scalar(MatlabType.UInt16, 300));
            a.set("bbox_y2", i, Fixtures.scalar(MatlabType.UInt16, 200));
            if (withClass) {
                a.set("class", i, Fixtures.scalar(MatlabType.UInt8, classes[i]));
            }
            a.set("fname", i, Mat5.newString(fnames[i]));
        }
        return a;
    }

    @Test
    void carsDevkitLayoutReadsStructArraysFromMatFiles() throws Exception {
        Path devkit = root.resolve("devkit");
        Fixtures.mat(devkit.resolve("cars_meta.mat"), Mat5.newMatFile().addArray("class_names",
                Fixtures.strings(false, "AM General Hummer SUV 2000", "Acura RL Sedan 2012", "Acura TL Sedan 2012")));
        Fixtures.mat(devkit.resolve("cars_train_annos.mat"), Mat5.newMatFile().addArray("annotations",
                carAnnotations(new String[] {"00001.jpg", "00002.jpg", "00003.jpg"}, new int[] {3, 1, 2}, true)));
        Fixtures.mat(devkit.resolve("cars_test_annos.mat"), Mat5.newMatFile().addArray("annotations",
                carAnnotations(new String[] {"00001.jpg"}, null, false)));
        for (int i = 1; i <= 3; i++) {
            Fixtures.jpeg(root.resolve(String.format("cars_train/%05d.jpg", i)), 10, 6, Color.RED);
        }
        Fixtures.jpeg(root.resolve("cars_test/00001.jpg"), 10, 6, Color.RED);
        ImageDataset ds = DatasetRegistry.open("cars", root);
        assertThat(ds.classNames()).hasSize(3).startsWith("AM General Hummer SUV 2000");
        assertThat(ds.samples("train")).extracting(Sample::id, Sample::label)
                .containsExactly(tuple("cars_train/00001.jpg", 2), tuple("cars_train/00002.jpg", 0), tuple("cars_train/00003.jpg", 1));
        assertThatThrownBy(() -> ds.samples("test")).isInstanceOf(DatasetLayoutException.class)
                .hasMessageContaining(CarsDataset.TEST_LABELS);
        Fixtures.mat(root.resolve(CarsDataset.TEST_LABELS), Mat5.newMatFile().addArray("annotations",
                carAnnotations(new String[] {"00001.jpg"}, new int[] {2}, true)));
        assertThat(DatasetRegistry.open("cars", root).samples("test")).extracting(Sample::label).containsExactly(1);
    }

    @Test
    void carsSingleFileLayoutSplitsOnTheTestFlag() throws Exception {
        Struct a = Mat5.newStruct(1, 3);
        int[] classes = {1, 2, 2};
        int[] test = {0, 1, 0};
        for (int i = 0; i < 3; i++) {
            a.set("relative_im_path", i, Mat5.newString(String.format("car_ims/%06d.jpg", i + 1)));
            a.set("bbox_x1", i, Fixtures.scalar(MatlabType.Double, 1));
            a.set("class", i, Fixtures.scalar(MatlabType.Double, classes[i]));
            a.set("test", i, Fixtures.scalar(MatlabType.UInt8, test[i]));
            Fixtures.jpeg(root.resolve(String.format("car_ims/%06d.jpg", i + 1)), 6, 6, Color.BLUE);
        }
        Fixtures.mat(root.resolve("cars_annos.mat"), Mat5.newMatFile().addArray("annotations", a)
                .addArray("class_names", Fixtures.strings(false, "a", "b")));
        ImageDataset ds = DatasetRegistry.open("cars", root);
        assertThat(ds.samples("train")).extracting(Sample::id).containsExactly("car_ims/000001.jpg", "car_ims/000003.jpg");
        assertThat(ds.samples("test")).extracting(Sample::label).containsExactly(1);
    }

    @Test
    void dogsReadsFileListsAndLabelsFromMatFiles() throws Exception {
        String[] breeds = {"n02085620-Chihuahua", "n02085782-Japanese_spaniel"};
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < 2; i++) {
                Fixtures.jpeg(root.resolve("Images").resolve(breeds[c]).resolve(breeds[c].substring(0, 9) + "_" + i + ".jpg"),
                        7, 7, Fixtures.PALETTE[c]);
            }
        }
        String f00 = breeds[0] + "/n02085620_0.jpg";
        String f01 = breeds[0] + "/n02085620_1.jpg";
        String f10 = breeds[1] + "/n02085782_0.jpg";
        String f11 = breeds[1] + "/n02085782_1.jpg";
        Fixtures.mat(root.resolve("train_list.mat"), Mat5.newMatFile()
                .addArray("file_list", Fixtures.strings(true, f00, f10, f11))
                .addArray("annotation_list", Fixtures.strings(true, f00.replace(".jpg", ""), f10.replace(".jpg", ""),
                        f11.replace(".jpg", "")))
                .addArray("labels", Fixtures.numbers(MatlabType.Double, true, 1, 2, 2)));
        Fixtures.mat(root.resolve("test_list.mat"), Mat5.newMatFile()
                .addArray("file_list", Fixtures.strings(true, f01))
                .addArray("labels", Fixtures.numbers(MatlabType.Double, true, 1)));
        ImageDataset ds = DatasetRegistry.open("dogs", root);
        assertThat(ds.classNames()).containsExactly(breeds);
        assertThat(ds.samples("train")).extracting(Sample::label).containsExactly(0, 1, 1);
        assertThat(ds.samples("test")).extracting(Sample::id).containsExactly("Images/" + f01);
    }

    @Test
    void flowersReadsLabelsAndSetIdsAndBuildsTrainval() throws Exception {
        int[] labels = {3, 1, 2, 1, 3, 2};
        for (int i = 1; i <= labels.length; i++) {
            Fixtures.jpeg(root.resolve(String.format("jpg/image_%05d.jpg", i)), 8, 6, Color.MAGENTA);
        }
        Fixtures.mat(root.resolve("imagelabels.mat"), Mat5.newMatFile()
                .addArray("labels", Fixtures.numbers(MatlabType.Double, false, labels)));
        Fixtures.mat(root.resolve("setid.mat"), Mat5.newMatFile()
                .addArray("trnid", Fixtures.numbers(MatlabType.Double, false, 2, 5))
                .addArray("valid", Fixtures.numbers(MatlabType.Double, false, 6))
                .addArray("tstid", Fixtures.numbers(MatlabType.Double, false, 1, 3, 4)));
        ImageDataset ds = DatasetRegistry.open("flowers", root);
        assertThat(ds.numClasses()).isEqualTo(3);
        assertThat(ds.splits()).containsExactly("train", "val", "trainval", "test");
        assertThat(ds.samples("trainval")).extracting(Sample::id, Sample::label).containsExactly(
                tuple("jpg/image_00002.jpg", 0), tuple("jpg/image_00005.jpg", 2), tuple("jpg/image_00006.jpg", 1));
        assertThat(ds.samples("test")).extracting(Sample::label).containsExactly(2, 1, 0);

        Files.delete(root.resolve("setid.mat"));
        assertThatThrownBy(() -> DatasetRegistry.open("flowers", root)).isInstanceOf(DatasetLayoutException.class)
                .hasMessageContaining("setid.mat");
    }
}
