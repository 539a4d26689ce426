package org.diffrep.datasets;

import org.diffrep.common.UserInputException;

import java.nio.file.Path;
import java.util.List;

/** Opens a dataset by its command-line name from a root in the dataset's official layout. */
public final class DatasetRegistry {
    /** Every name {@link #open} accepts, in the order the paper introduces the datasets. */
    public static final List<String> NAMES = List.of("imagenet", "imagenet-50", "imagenet-1pct", "imagenet-10pct",
            "cub", "nabirds", "aircraft", "cars", "dogs", "flowers", "coco", "ade20k", "fashion-mnist");

    private DatasetRegistry() {}

    /**
     * @throws IllegalArgumentException for an unknown name
     * @throws DatasetLayoutException   when the root is not in the dataset's layout
     */
    public static ImageDataset open(String name, Path root) {
        return switch (name) {
            case "imagenet" -> ImageNetDataset.open(ImageNetDataset.Variant.FULL, root);
            case "imagenet-50" -> ImageNetDataset.open(ImageNetDataset.Variant.IN50, root);
            case "imagenet-1pct" -> ImageNetDataset.open(ImageNetDataset.Variant.PCT1, root);
            case "imagenet-10pct" -> ImageNetDataset.open(ImageNetDataset.Variant.PCT10, root);
            case "cub" -> BirdsDataset.cub(root);
            case "nabirds" -> BirdsDataset.nabirds(root);
            case "aircraft" -> AircraftDataset.open(root);
            case "cars" -> CarsDataset.open(root);
            case "dogs" -> DogsDataset.open(root);
            case "flowers" -> FlowersDataset.open(root);
            case "coco" -> CocoDataset.open(root);
            case "ade20k" -> Ade20kDataset.open(root);
            case "fashion-mnist" -> FashionMnistDataset.open(root);
            default -> throw new UserInputException("unknown dataset \"" + name + "\"; known: " + String.join(", ", NAMES));
        };
    }
}
