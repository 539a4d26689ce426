package org.diffrep.spark;

import java.io.Serializable;

/**
 * The work of one shard, shipped to whichever executor runs it. Implementations carry only a
 * serializable description of the job; anything heavy (the U-Net) is built inside the executor
 * JVM, once ({@link ExecutorLocal}).
 *
 * @param <R> what the driver learns about the shard (computed or reused, images, skipped files)
 */
@FunctionalInterface
public interface ShardTask<R extends Serializable> extends Serializable {

    /**
     * Computes shard {@code shard}, or finds it already complete. Must be idempotent: Spark runs a
     * task again after a failure, and a rerun of the whole job meets finished shards.
     *
     * @param cores the cores Spark gave this task ({@code spark.task.cpus}): the most threads it may use
     */
    R compute(int shard, int cores) throws Exception;
}
