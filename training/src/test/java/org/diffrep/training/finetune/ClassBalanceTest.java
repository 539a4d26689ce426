package org.diffrep.training.finetune;

import org.diffrep.datasets.ImageNetDataset;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class ClassBalanceTest {

    /** Labels of a SimCLR subset list: the wnid prefix of each file name, indexed in sorted order. */
    private static ClassBalance balance(ImageNetDataset.Variant v) {
        List<String> files = ImageNetDataset.subsetList(v);
        List<String> wnids = new java.util.ArrayList<>(new TreeSet<>(files.stream().map(f -> f.substring(0, f.indexOf('_'))).toList()));
        int[] labels = files.stream().mapToInt(f -> wnids.indexOf(f.substring(0, f.indexOf('_')))).toArray();
        return ClassBalance.of(labels, 1000);
    }

    @Test
    void shippedSubsetListsHaveTheDocumentedCountsAndBalance() {
        ClassBalance one = balance(ImageNetDataset.Variant.PCT1);
        assertThat(one).isEqualTo(new ClassBalance(1000, 1000, 12_811, 12, 13));
        assertThat(one.deviation("imagenet-1pct")).isNull();
        ClassBalance ten = balance(ImageNetDataset.Variant.PCT10);
        assertThat(ten).isEqualTo(new ClassBalance(1000, 1000, 128_116, 128, 129));
        assertThat(ten.deviation("imagenet-10pct")).isNull();
    }

    @Test
    void aTruncatedSubsetIsReported() {
        int[] labels = {0, 0, 1};
        ClassBalance b = ClassBalance.of(labels, 3);
        assertThat(b).isEqualTo(new ClassBalance(3, 2, 3, 0, 2));
        assertThat(b.deviation("imagenet-1pct")).contains("12811", "0–2 per class", "2 classes present");
        assertThat(b.deviation("cub")).isNull();
    }
}
