package org.diffrep.training.cache;

import java.util.List;

/**
 * What {@link ShardedExtraction#computeShard} did with one shard.
 *
 * @param shard   the shard id
 * @param status  computed now, reused (already complete), or held by another live writer
 * @param images  images the shard holds (0 when held)
 * @param skipped images of the shard's range its source could not read (path: reason)
 * @param seconds time spent on this shard in this call
 */
public record ShardOutcome(int shard, Status status, int images, List<String> skipped, double seconds) implements java.io.Serializable {

    public enum Status { COMPUTED, REUSED, HELD }

    public ShardOutcome {
        skipped = List.copyOf(skipped);
    }
}
