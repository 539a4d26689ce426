package org.diffrep.training.cache;

import me.tongfei.progressbar.ProgressBar;
import org.diffrep.common.util.ByteSizes;
import org.diffrep.training.train.ProgressBars;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Computes the shards one after the other in this process, in shard order, with a progress bar
 * over images. Shards another live writer holds are done last: this engine waits for them (polling),
 * and computes them itself should their writer die.
 */
public final class LocalExtractionEngine implements ExtractionEngine {

    private static final Logger log = LoggerFactory.getLogger(LocalExtractionEngine.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private boolean progress = true;

    public LocalExtractionEngine optProgress(boolean show) {
        this.progress = show;
        return this;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public ExtractionReport run(ShardedExtraction ex) {
        long t0 = System.nanoTime();
        long freed = ex.removeStaleTemps();
        if (freed > 0) log.info("removed {} of partial files left by dead writers in {}", ByteSizes.human(freed), ex.directory());
        long needed = ex.checkDiskSpace();
        if (needed > 0) {
            ex.checkMemory();
            log.info("extracting {} into {}: up to {}", ex.source().describe(), ex.directory(), ByteSizes.human(needed));
        }
        List<ShardOutcome> outcomes = new ArrayList<>();
        List<Integer> held = new ArrayList<>();
        try (ProgressBar bar = bar(ex)) {
            for (int s = 0; s < ex.shardCount(); s++) {
                ShardOutcome o = ex.computeShard(s, images -> {
                    if (bar != null) bar.stepBy(images);
                });
                if (o.status() == ShardOutcome.Status.HELD) held.add(s);
                else outcomes.add(o);
            }
            for (int s : held) {
                ShardOutcome o = ex.computeShard(s);
                while (o.status() == ShardOutcome.Status.HELD) {
                    sleep();
                    o = ex.computeShard(s);
                }
                outcomes.add(o);
            }
        }
        int computed = 0;
        int reused = 0;
        long images = 0;
        long written = 0;
        List<String> unreadable = new ArrayList<>();
        for (ShardOutcome o : outcomes) {
            if (o.status() == ShardOutcome.Status.COMPUTED) {
                computed++;
                written += ex.shardBytes(o.shard());
            } else {
                reused++;
            }
            images += o.images();
            unreadable.addAll(o.skipped());
        }
        return new ExtractionReport(ex.shardCount(), computed, reused, images, unreadable, name(), (System.nanoTime() - t0) / 1e9,
                written, ex.staleBytesFreed());
    }

    private ProgressBar bar(ShardedExtraction ex) {
        if (!progress) return null;
        long images = ex.incompleteShards().stream().mapToLong(ex::rangeSize).sum();
        if (images == 0) return null;
        String task = "extract " + ex.source().describe();
        return ProgressBars.builder(task.length() > 40 ? task.substring(0, 40) : task, images * ex.draws()).setUnit(" img", 1)
                .continuousUpdate().build();
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for another writer's shards", e);
        }
    }
}
