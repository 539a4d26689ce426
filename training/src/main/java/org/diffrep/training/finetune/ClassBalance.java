package org.diffrep.training.finetune;

import java.util.Map;

/**
 * Images per class of a training split. The semi-supervised subsets are SimCLR's class-balanced
 * lists (docs/method.md §4): IN-1% has 12,811 images with 12 or 13 per class, IN-10% 128,116 with 128
 * or 129, all 1,000 classes present.
 *
 * @param classes        classes of the dataset
 * @param classesPresent classes with at least one image
 * @param images         images in the split
 * @param min            fewest images of a class (0 when a class is missing)
 * @param max            most images of a class
 */
public record ClassBalance(int classes, int classesPresent, int images, int min, int max) {

    private record Expected(int images, int min, int max) {}

    private static final Map<String, Expected> DOCUMENTED = Map.of(
            "imagenet-1pct", new Expected(12_811, 12, 13),
            "imagenet-10pct", new Expected(128_116, 128, 129));

    public static ClassBalance of(int[] labels, int classes) {
        int[] count = new int[classes];
        for (int l : labels) count[l]++;
        int min = Integer.MAX_VALUE;
        int max = 0;
        int present = 0;
        for (int c : count) {
            min = Math.min(min, c);
            max = Math.max(max, c);
            if (c > 0) present++;
        }
        return new ClassBalance(classes, present, labels.length, classes == 0 ? 0 : min, max);
    }

    /** Null when the split is as documented for {@code dataset} (or nothing is documented for it), else what differs. */
    public String deviation(String dataset) {
        Expected e = DOCUMENTED.get(dataset);
        if (e == null) return null;
        if (images == e.images() && min == e.min() && max == e.max() && classesPresent == classes) return null;
        return dataset + " should have " + e.images() + " images with " + e.min() + "–" + e.max() + " per class in all " + classes
                + " classes; this split has " + images + " images, " + min + "–" + max + " per class, " + classesPresent + " classes present";
    }
}
