package org.diffrep.training.cache;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The small JSON file published after a shard's data files: it marks the shard complete and says
 * what it holds. Everything that varies between runs of the same inputs (timing, host, writer)
 * lives here and never in the data files, so those stay byte-identical whoever wrote them with the
 * same ND4J thread count ({@code threads}: ops split their reductions by thread, so another count
 * changes the features' last bits, e.g. by up to 9.5e-7 at adm-fmnist's block 13).
 *
 * @param keyHash  SHA-256 of the split's key ({@link ShardedExtraction#keyText()})
 * @param shard    shard id
 * @param first    first index of the split in the shard's range
 * @param end      index after the shard's range
 * @param indices  split indices of the stored rows, in order
 * @param ids      image ids of the stored rows
 * @param skipped  images of the range the source could not read ("path: reason")
 * @param files    data file name → size in bytes, one per tap
 * @param seconds  wall time of the shard's extraction
 * @param host     the writer's host
 * @param pid      the writer's process id
 * @param threads  the writer's ND4J threads per op (0 in manifests written before it was recorded)
 * @param written  when it was published (ISO-8601)
 */
public record ShardManifest(@JsonProperty("key_hash") String keyHash, int shard, int first, int end, int[] indices, long[] ids,
                            List<String> skipped, Map<String, Long> files, double seconds, String host, long pid, int threads, String written) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static ShardManifest read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), ShardManifest.class);
    }

    String toJson() throws IOException {
        return JSON.writeValueAsString(this);
    }
}
