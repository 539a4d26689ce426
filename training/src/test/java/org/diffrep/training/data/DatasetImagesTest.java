package org.diffrep.training.data;

import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.LoadReport;
import org.diffrep.datasets.LoaderOptions;
import org.diffrep.datasets.TooManyUnreadableImagesException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetImagesTest {

    @TempDir
    Path root;

    private static final int[] ALL = {0, 1, 2, 3, 4, 5, 6, 7};

    @Test
    void batchesLeaveOutUnreadableImagesAndListThem() throws Exception {
        List<Path> files = CubFolder.write(root, 2, 4, 4);
        CubFolder.truncate(files.get(2));
        ImageDataset ds = DatasetRegistry.open("cub", root);
        try (DatasetImages images = new DatasetImages(ds, "train", LoaderOptions.evaluation(16).withMaxBadFraction(0.2), 0)) {
            List<Integer> kept = new ArrayList<>();
            for (Iterator<ImageSource.Batch> it = images.batches(ALL, 0, 3); it.hasNext(); ) {
                ImageSource.Batch b = it.next();
                assertThat(b.images().shape()).containsExactly(b.indices().length, 3, 16, 16);
                for (int i : b.indices()) kept.add(i);
            }
            assertThat(kept).containsExactly(0, 1, 3, 4, 5, 6, 7);
            assertThat(images.unreadable()).extracting(LoadReport.Problem::path).containsExactly(files.get(2).toString());
            assertThatThrownBy(() -> images.images(new int[] {1, 2}, 0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(files.get(2).toString());

            ImageSource readable = images.readable();
            assertThat(readable.size()).isEqualTo(7);
            assertThat(readable.id(2)).isEqualTo(3);
            assertThat(readable.label(4)).isEqualTo(1);
            INDArray again = readable.images(new int[] {2}, 0);
            assertThat(again).isEqualTo(images.images(new int[] {3}, 0));
        }
    }

    @Test
    void aRunFailsPastTheToleratedFractionNamingCountAndFiles() throws Exception {
        List<Path> files = CubFolder.write(root, 2, 4, 4);
        CubFolder.truncate(files.get(5));
        ImageDataset ds = DatasetRegistry.open("cub", root);
        try (DatasetImages images = new DatasetImages(ds, "train", LoaderOptions.evaluation(16).withMaxBadFraction(0), 0)) {
            assertThatThrownBy(() -> images.batches(ALL, 0, 4).forEachRemaining(b -> { }))
                    .isInstanceOf(TooManyUnreadableImagesException.class)
                    .hasMessageContaining("1 of 8 files unreadable").hasMessageContaining(files.get(5).toString())
                    .hasMessageNotContaining("\n");
        }
    }
}
