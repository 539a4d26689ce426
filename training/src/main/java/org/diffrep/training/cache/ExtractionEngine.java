package org.diffrep.training.cache;

/**
 * Runs every shard of a {@link ShardedExtraction} to completion: locally in this process
 * ({@link LocalExtractionEngine}, the default) or spread over a cluster by another implementation,
 * which only has to call {@link ShardedExtraction#computeShard} for each shard id somewhere (the
 * shards' contract makes that safe whatever the order, retries or number of workers).
 */
public interface ExtractionEngine extends AutoCloseable {

    /** Short name for reports ("local", "spark"). */
    String name();

    /**
     * Brings every shard to complete: removes stale partial files, checks the disk space, computes
     * or reuses each shard and waits for shards other live writers hold.
     */
    ExtractionReport run(ShardedExtraction extraction);

    /**
     * As {@link #run(ShardedExtraction)} for an extraction described by a spec: engines that compute
     * shards in other JVMs ship the spec to them; in-process engines open it here.
     */
    default ExtractionReport run(ExtractionSpec spec) {
        return run(spec.open());
    }

    /** Releases what the engine holds between runs (a Spark context); nothing for in-process engines. */
    @Override
    default void close() {
    }
}
