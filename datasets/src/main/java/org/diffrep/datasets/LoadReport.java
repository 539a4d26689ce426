package org.diffrep.datasets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unreadable files met while loading one split: each is skipped, counted and listed with its
 * reason. The run fails once more than {@code maxBadFraction} of the split is unreadable, since a
 * silently shrinking dataset would bias every number computed from it.
 */
public final class LoadReport {
    private static final Logger LOG = LoggerFactory.getLogger(LoadReport.class);

    /** One unreadable file and why. */
    public record Problem(String path, String reason) {}

    private final String dataset;
    private final String split;
    private final int total;
    private final double maxBadFraction;
    private final Map<String, String> problems = new LinkedHashMap<>();

    public LoadReport(String dataset, String split, int total, double maxBadFraction) {
        this.dataset = dataset;
        this.split = split;
        this.total = total;
        this.maxBadFraction = maxBadFraction;
    }

    /**
     * Records an unreadable file (once per path, however many epochs meet it).
     *
     * @throws TooManyUnreadableImagesException when the tolerated fraction is exceeded
     */
    public void record(String path, String reason) {
        if (add(path, reason) && exceeded()) {
            throw new TooManyUnreadableImagesException(this);
        }
    }

    /** Records an unreadable file without failing; true if the path was new. */
    public boolean add(String path, String reason) {
        synchronized (this) {
            if (problems.putIfAbsent(path, reason) != null) {
                return false;
            }
        }
        LOG.warn("{} {}: skipping {}: {}", dataset, split, path, reason);
        return true;
    }

    public synchronized boolean exceeded() {
        return problems.size() > maxBadFraction * total;
    }

    public String dataset() {
        return dataset;
    }

    public String split() {
        return split;
    }

    /** Samples in the split. */
    public int total() {
        return total;
    }

    public double maxBadFraction() {
        return maxBadFraction;
    }

    public synchronized int unreadableCount() {
        return problems.size();
    }

    public synchronized List<Problem> problems() {
        List<Problem> out = new ArrayList<>();
        problems.forEach((p, r) -> out.add(new Problem(p, r)));
        return out;
    }

    public String summary() {
        return String.format("%s %s: %d of %d files unreadable (%.3f%%, --max-unreadable tolerates %.3f%%)", dataset, split,
                unreadableCount(), total, 100.0 * unreadableCount() / Math.max(1, total), 100 * maxBadFraction);
    }

    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode root = mapper.createObjectNode();
        root.put("dataset", dataset);
        root.put("split", split);
        root.put("images", total);
        root.put("maxBadFraction", maxBadFraction);
        ArrayNode list = root.putArray("unreadable");
        for (Problem p : problems()) {
            list.addObject().put("path", p.path()).put("reason", p.reason());
        }
        return root;
    }

    /** Writes the report as JSON, e.g. next to a training run's logs (temporary file, then renamed over the target). */
    public void writeJson(Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temp, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(mapper)));
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
