package org.diffrep.training.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * What an extraction did, summed over its shards ({@code extract --json} prints {@link #toJson}).
 *
 * @param shardsTotal      shards of the split
 * @param shardsComputed   shards computed by this run
 * @param shardsReused     shards that were complete already (or finished by another writer)
 * @param images           images the split's shards hold
 * @param unreadable       images skipped because they could not be read ("path: reason"; the JSON lists the paths
 *                         under "unreadable" and each one's reason under "unreadable_reasons")
 * @param engine           the engine's name
 * @param seconds          wall time
 * @param bytesWritten     size of the data files of the computed shards
 * @param staleBytesFreed  partial files of dead writers removed
 */
public record ExtractionReport(int shardsTotal, int shardsComputed, int shardsReused, long images, List<String> unreadable,
                               String engine, double seconds, long bytesWritten, long staleBytesFreed) {

    public ExtractionReport {
        unreadable = List.copyOf(unreadable);
    }

    public ObjectNode toJson() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("shards_total", shardsTotal).put("shards_computed", shardsComputed).put("shards_reused", shardsReused).put("images", images);
        com.fasterxml.jackson.databind.node.ArrayNode paths = n.putArray("unreadable");
        ObjectNode reasons = n.putObject("unreadable_reasons");
        for (String u : unreadable) {
            int colon = u.indexOf(": ");
            String path = colon < 0 ? u : u.substring(0, colon);
            paths.add(path);
            reasons.put(path, colon < 0 ? "unreadable" : u.substring(colon + 2));
        }
        n.put("engine", engine).put("seconds", seconds).put("bytes_written", bytesWritten).put("stale_bytes_freed", staleBytesFreed);
        return n;
    }

    /** Sums two reports of one run (e.g. the training and the evaluation split). */
    public ExtractionReport plus(ExtractionReport o) {
        List<String> all = new java.util.ArrayList<>(unreadable);
        all.addAll(o.unreadable);
        return new ExtractionReport(shardsTotal + o.shardsTotal, shardsComputed + o.shardsComputed, shardsReused + o.shardsReused,
                images + o.images, all, engine, seconds + o.seconds, bytesWritten + o.bytesWritten, staleBytesFreed + o.staleBytesFreed);
    }
}
