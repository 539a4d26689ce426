package org.diffrep.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CocoDatasetTest {
    @TempDir
    Path root;

    /** Same quadrilateral as CocoMasksTest (pycocotools reference) on a 9x7 image. */
    private static final String QUAD = "[[1.2,1.0,6.7,1.5,5.1,5.8,0.9,4.4]]";

    @BeforeEach
    void writeLayout() throws Exception {
        // "annotations" before "images": the reader must not depend on key order
        Fixtures.write(root.resolve("annotations/instances_val2017.json"), """
                {"info": {"year": 2017, "nested": {"a": [1, 2]}},
                 "annotations": [
                  {"segmentation": %s, "area": 21.0, "iscrowd": 0, "image_id": 139, "bbox": [0.9, 1.0, 5.8, 4.8],
                   "category_id": 18, "id": 1},
                  {"segmentation": {"counts": [2, 5, 1, 1, 2, 1], "size": [3, 4]}, "area": 7, "iscrowd": 1,
                   "image_id": 285, "bbox": [0, 0, 4, 3], "category_id": 1, "id": 2},
                  {"segmentation": {"counts": "624", "size": [3, 4]}, "area": 2, "iscrowd": 0,
                   "image_id": 285, "bbox": [2, 0, 1, 2], "category_id": 18, "id": 3}
                 ],
                 "images": [
                  {"license": 4, "file_name": "000000000139.jpg", "height": 7, "width": 9, "id": 139},
                  {"license": 1, "file_name": "000000000285.jpg", "height": 3, "width": 4, "id": 285},
                  {"license": 1, "file_name": "000000000632.jpg", "height": 5, "width": 5, "id": 632}
                 ],
                 "licenses": [{"id": 1, "name": "x"}],
                 "categories": [{"supercategory": "animal", "id": 18, "name": "dog"},
                                {"supercategory": "person", "id": 1, "name": "person"}]}
                """.formatted(QUAD));
        Fixtures.write(root.resolve("annotations/instances_train2017.json"), """
                {"images": [{"file_name": "000000000009.jpg", "height": 7, "width": 9, "id": 9}],
                 "annotations": [{"segmentation": %s, "iscrowd": 0, "image_id": 9, "bbox": [0.9, 1.0, 5.8, 4.8],
                   "category_id": 1, "id": 10}],
                 "categories": [{"id": 1, "name": "person"}, {"id": 18, "name": "dog"}]}
                """.formatted(QUAD));
        Fixtures.jpeg(root.resolve("val2017/000000000139.jpg"), 9, 7, Color.RED);
        Fixtures.jpeg(root.resolve("val2017/000000000285.jpg"), 4, 3, Color.GREEN);
        Fixtures.jpeg(root.resolve("val2017/000000000632.jpg"), 5, 5, Color.BLUE);
        Fixtures.jpeg(root.resolve("train2017/000000000009.jpg"), 9, 7, Color.RED);
    }

    @Test
    void categoriesMapToSortedIdOrderAndImagesWithoutObjectsAreKept() {
        ImageDataset ds = DatasetRegistry.open("coco", root);
        assertThat(ds.task()).isEqualTo(Task.INSTANCE_SEGMENTATION);
        assertThat(ds.classNames()).containsExactly("person", "dog");
        List<Sample> val = ds.samples("val");
        assertThat(val).extracting(Sample::id).containsExactly("val2017/000000000139.jpg", "val2017/000000000285.jpg",
                "val2017/000000000632.jpg");
        assertThat(val.get(2).objects()).isEmpty();
        CocoObject dog = val.get(0).objects().get(0);
        assertThat(dog.category()).isEqualTo(1);
        assertThat(dog.crowd()).isFalse();
        assertThat(new float[] {dog.x(), dog.y(), dog.width(), dog.height()}).containsExactly(0.9f, 1.0f, 5.8f, 4.8f);
        assertThat(ds.samples("train")).hasSize(1);
    }

    @Test
    void polygonUncompressedAndCompressedRleDecodeToBinaryMasks() {
        List<Sample> val = DatasetRegistry.open("coco", root).samples("val");
        byte[] quad = val.get(0).objects().get(0).mask().decode();
        assertThat(quad).hasSize(63);
        int[] rowSums = new int[7];
        for (int i = 0; i < quad.length; i++) {
            rowSums[i / 9] += quad[i];
        }
        assertThat(rowSums).containsExactly(0, 5, 5, 5, 5, 1, 0);

        CocoObject crowd = val.get(1).objects().get(0);
        assertThat(crowd.crowd()).isTrue();
        assertThat(crowd.mask().decode()).containsExactly(0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1);
        // "624" is pycocotools' encoding of this mask: counts [6, 2, 4], i.e. rows 0-1 of column 2
        CocoObject compressed = val.get(1).objects().get(1);
        assertThat(CocoMasks.decodeRleString("624")).containsExactly(6, 2, 4);
        assertThat(compressed.mask().decode()).containsExactly(0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0);
    }

    @Test
    void iteratorTransformsImageAndMasksWithTheSameGeometry() {
        ImageDataset ds = DatasetRegistry.open("coco", root);
        LoaderOptions o = LoaderOptions.evaluation(7).withBatchSize(3).withThreads(2);
        try (ImageBatchIterator it = new ImageBatchIterator(ds, "val", o)) {
            ObjectDataSet batch = (ObjectDataSet) it.next();
            assertThat(batch.getFeatures().shape()).containsExactly(3, 3, 7, 7);
            assertThat(batch.getLabels().shape()).containsExactly(3, 1, 7, 7);
            // 9x7 image, short side already 7: centre crop drops column 0 and column 8
            ObjectTarget dog = batch.objects().get(0).get(0);
            assertThat(dog.x1()).isCloseTo(0f, org.assertj.core.api.Assertions.within(1e-5f));
            assertThat(dog.x2()).isCloseTo(5.7f, org.assertj.core.api.Assertions.within(1e-5f));
            int dogPixels = 0;
            for (byte b : dog.mask()) {
                dogPixels += b;
            }
            assertThat(dogPixels).isEqualTo(21);
            // category map: dog (1) on its mask, background (= numClasses, 2) elsewhere
            float[] map = batch.getLabels().slice(0).dup().data().asFloat();
            assertThat(map[1 * 7]).isEqualTo(1f);
            assertThat(map[0]).isEqualTo(2f);
            // image 2 (4x3) is upscaled to 9x7 then cropped; its crowd region is ignored in the map and mask
            float[] map2 = batch.getLabels().slice(1).dup().data().asFloat();
            float[] mask2 = batch.getLabelsMaskArray().slice(1).dup().data().asFloat();
            assertThat(map2).contains((float) SampleLoader.IGNORE);
            for (int i = 0; i < map2.length; i++) {
                assertThat(mask2[i]).isEqualTo(map2[i] == SampleLoader.IGNORE ? 0f : 1f);
            }
            assertThat(batch.objects().get(2)).isEmpty();
        }
    }

    @Test
    void missingAnnotationFileOrBrokenJsonIsAClearError() throws Exception {
        Files.delete(root.resolve("annotations/instances_train2017.json"));
        assertThatThrownBy(() -> DatasetRegistry.open("coco", root)).isInstanceOf(DatasetLayoutException.class)
                .hasMessageContaining("instances_{train,val}2017.json");
        Fixtures.write(root.resolve("annotations/instances_train2017.json"), "{\"images\": [ {\"id\": 1,");
        assertThatThrownBy(() -> DatasetRegistry.open("coco", root).samples("train"))
                .isInstanceOf(DatasetLayoutException.class).hasMessageContaining("malformed JSON");
    }
}
