package org.diffrep.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the shards of a job as Spark tasks, one partition per shard, and collects what each task
 * reports. Spark schedules and retries the tasks ({@code spark.task.maxFailures} on a cluster;
 * in local mode only with a master of the form {@code local[N,F]}); shard tasks are idempotent, so
 * a retry or a speculative copy never writes a finished shard twice.
 */
public final class SparkShards {

    /**
     * @param master    Spark master URL ({@code local[*]}, {@code local[2]}, {@code spark://host:7077}, {@code yarn}, ...),
     *                  or null to take it from spark-submit's configuration
     * @param taskCpus  cores per task ({@code spark.task.cpus}): ND4J threads and decode threads of one shard
     * @param appName   name shown in Spark's UI and logs
     */
    public record Settings(String master, int taskCpus, String appName) implements Serializable {
        public Settings {
            if (taskCpus < 1) throw new IllegalArgumentException("task cpus must be >= 1, got " + taskCpus);
        }
    }

    private SparkShards() {}

    /** The configuration of a run: under spark-submit its settings stay, an explicit master wins. */
    static SparkConf conf(Settings s) {
        SparkConf conf = new SparkConf().setAppName(s.appName());
        if (s.master() != null) conf.setMaster(s.master());
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        conf.set("spark.task.cpus", Integer.toString(s.taskCpus()));
        // executors started by a cluster manager get the same OpenMP cap as the ND4J limit set per task
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", Integer.toString(s.taskCpus()));
        // a local run has no one to look at a web UI, and starting it costs a second
        if (conf.get("spark.master").startsWith("local")) conf.setIfMissing("spark.ui.enabled", "false");
        return conf;
    }

    /** Runs shards {@code shards} (one task each) and returns the tasks' reports in shard order. */
    public static <R extends Serializable> List<R> run(Settings s, List<Integer> shards, ShardTask<R> task) {
        try (JavaSparkContext sc = new JavaSparkContext(conf(s))) {
            int cores = s.taskCpus();
            List<R> out = sc.parallelize(shards, Math.max(1, shards.size())).map(shard -> {
                ExecutorLocal.limitThreads(cores);
                return task.compute(shard, cores);
            }).collect();
            return new ArrayList<>(out);
        }
    }
}
