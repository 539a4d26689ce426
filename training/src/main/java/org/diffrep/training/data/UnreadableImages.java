package org.diffrep.training.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.datasets.LoadReport;
import org.diffrep.datasets.TooManyUnreadableImagesException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The images a run skipped because they could not be read, as one of the run's outputs. */
public final class UnreadableImages {

    /** File name in a run's folder. */
    public static final String FILE = "unreadable.json";

    private UnreadableImages() {}

    /**
     * Fails when the images skipped in a split ("path: reason") exceed the tolerated share of it: the
     * check for engines whose workers each saw only their part of the split.
     *
     * @throws TooManyUnreadableImagesException naming the count and the first files
     */
    public static void refuseBeyondTolerance(String dataset, String split, int images, double maxFraction, List<String> skipped) {
        LoadReport report = new LoadReport(dataset, split, images, maxFraction);
        for (String s : skipped) {
            int colon = s.indexOf(": ");
            report.add(colon < 0 ? s : s.substring(0, colon), colon < 0 ? "unreadable" : s.substring(colon + 2));
        }
        if (report.exceeded()) throw new TooManyUnreadableImagesException(report);
    }

    /** Skipped images of all sources, each with the source it belongs to. */
    public static ArrayNode toJson(ObjectMapper mapper, List<? extends ImageSource> sources) {
        return toJson(mapper, bySource(sources));
    }

    /** Skipped files by the description of the source (split) they belong to. */
    public static ArrayNode toJson(ObjectMapper mapper, Map<String, List<LoadReport.Problem>> bySource) {
        ArrayNode list = mapper.createArrayNode();
        bySource.forEach((source, problems) -> {
            for (LoadReport.Problem p : problems) list.addObject().put("source", source).put("path", p.path()).put("reason", p.reason());
        });
        return list;
    }

    private static Map<String, List<LoadReport.Problem>> bySource(List<? extends ImageSource> sources) {
        Map<String, List<LoadReport.Problem>> out = new LinkedHashMap<>();
        for (ImageSource s : sources) out.computeIfAbsent(s.describe(), d -> new ArrayList<>()).addAll(s.unreadable());
        return out;
    }

    /**
     * Writes {@value #FILE} into {@code dir} when some source skipped an image.
     *
     * @return how many images were skipped (0: nothing written)
     */
    public static int write(Path dir, List<? extends ImageSource> sources) {
        return write(dir, bySource(sources));
    }

    /** As {@link #write(Path, List)}, for sources that are not {@link ImageSource}s (segmentation splits), by description. */
    public static int write(Path dir, Map<String, List<LoadReport.Problem>> bySource) {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode list = toJson(mapper, bySource);
        if (list.isEmpty()) return 0;
        ObjectNode root = mapper.createObjectNode();
        root.set("unreadable", list);
        try {
            AtomicFiles.writeString(dir.resolve(FILE), mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return list.size();
    }
}
