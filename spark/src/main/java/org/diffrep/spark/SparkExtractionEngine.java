package org.diffrep.spark;

import org.diffrep.common.UserInputException;
import org.diffrep.common.util.ByteSizes;
import org.diffrep.training.cache.ExtractionEngine;
import org.diffrep.training.cache.ExtractionReport;
import org.diffrep.training.cache.ExtractionSpec;
import org.diffrep.training.cache.ShardOutcome;
import org.diffrep.training.cache.ShardedExtraction;
import org.diffrep.training.data.UnreadableImages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Computes the shards of an extraction on Apache Spark: the driver (this process) prepares the cache
 * folder (stale partial files, free space), sends the {@link ExtractionSpec} with one task per
 * incomplete shard, and sums what the tasks report. Each executor JVM opens the spec once
 * ({@link ExtractionSpec#open()}: image list, and the frozen U-Net read lazily on the first shard it
 * computes) and shares it between its tasks. The cache folder must be one path every executor sees.
 */
public final class SparkExtractionEngine implements ExtractionEngine {

    private static final Logger log = LoggerFactory.getLogger(SparkExtractionEngine.class);

    private final String master;
    private SparkShards spark;

    /** @param master Spark master URL, or null for spark-submit's (local[*] without one) */
    public SparkExtractionEngine(String master) {
        this.master = master;
    }

    @Override
    public String name() {
        return "spark";
    }

    /** Needs the spec to ship: an extraction built from objects in this JVM cannot be sent to executors. */
    @Override
    public ExtractionReport run(ShardedExtraction extraction) {
        throw new UnsupportedOperationException("the Spark engine ships an ExtractionSpec to its executors: call run(spec)");
    }

    @Override
    public ExtractionReport run(ExtractionSpec spec) {
        long t0 = System.nanoTime();
        ShardedExtraction driver = spec.open();
        long freed = driver.removeStaleTemps();
        long needed = driver.checkDiskSpace();
        List<Integer> todo = driver.incompleteShards();
        if (!todo.isEmpty()) {
            log.info("extracting {} on Spark: {} of {} shards to compute, up to {} into {}", driver.source().describe(), todo.size(),
                    driver.shardCount(), ByteSizes.human(needed), driver.directory());
        }
        List<ShardOutcome> computed;
        try {
            // a run with nothing to compute starts no Spark context
            computed = todo.isEmpty() ? List.of() : shards().run("extract " + driver.source().describe(), todo, new ComputeShard(spec));
        } catch (Exception e) {
            throw unwrap(e);
        }
        int computedCount = 0;
        long written = 0;
        long images = 0;
        List<String> skipped = new ArrayList<>();
        List<Integer> reusedShards = new ArrayList<>();
        for (int s = 0; s < driver.shardCount(); s++) {
            if (!todo.contains(s)) reusedShards.add(s);
        }
        for (ShardOutcome o : computed) {
            if (o.status() == ShardOutcome.Status.COMPUTED) {
                computedCount++;
                written += driver.shardBytes(o.shard());
            }
            images += o.images();
            skipped.addAll(o.skipped());
        }
        for (int s : reusedShards) {
            ShardOutcome o = driver.computeShard(s);   // complete: reads its manifest, loads no model
            images += o.images();
            skipped.addAll(o.skipped());
        }
        ExtractionSpec.Data d = spec.data();
        UnreadableImages.refuseBeyondTolerance(d.dataset(), d.split() != null ? d.split() : d.training() ? "training split" : "evaluation split",
                driver.source().size(), d.maxUnreadable(), skipped);
        return new ExtractionReport(driver.shardCount(), computedCount, driver.shardCount() - computedCount, images, skipped, name(),
                (System.nanoTime() - t0) / 1e9, written, freed);
    }

    /** The Spark context, started on first use and kept for the following runs (a command's two splits). */
    private SparkShards shards() {
        if (spark == null) spark = new SparkShards(master, "diffrep extract");
        return spark;
    }

    @Override
    public void close() {
        if (spark != null) spark.close();
    }

    /** One shard on an executor: computed, reused, or waited for while another live writer holds it. */
    record ComputeShard(ExtractionSpec spec) implements ShardTask<ShardOutcome> {
        @Override
        public ShardOutcome compute(int shard, int cores) throws InterruptedException {
            try {
                ShardedExtraction ex = spec.open();
                ShardOutcome o = ex.computeShard(shard);
                while (o.status() == ShardOutcome.Status.HELD) {
                    Thread.sleep(500);
                    o = ex.computeShard(shard);
                }
                return o;
            } catch (UserInputException e) {
                // the user's data or options, not a bug: Spark logs a failed task with its exception's
                // trace, which would bury the one-line report; this one travels without a trace
                UserInputException plain = new UserInputException(e.getMessage());
                plain.setStackTrace(new StackTraceElement[0]);
                throw plain;
            }
        }
    }

    /**
     * The user-facing error a task died of, when it is one (too many unreadable images, a full disk):
     * Spark wraps task failures in its own exception.
     */
    static RuntimeException unwrap(Exception e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof UserInputException u) return u;
        }
        if (e instanceof RuntimeException r) return r;
        return new IllegalStateException("the Spark job failed: " + e.getMessage(), e);
    }
}
