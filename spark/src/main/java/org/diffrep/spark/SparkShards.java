package org.diffrep.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the shards of a job as Spark tasks, one partition per shard, and collects what each task
 * reports. Spark schedules and retries the tasks ({@code spark.task.maxFailures}, 4 by default, on a
 * cluster; in local mode only with a master of the form {@code local[N,F]}); shard tasks are
 * idempotent, so a retry or a speculative copy never writes a finished shard twice.
 */
public final class SparkShards implements AutoCloseable {

    private final JavaSparkContext sc;
    private final int taskCpus;

    /**
     * Starts a Spark context (or joins the one spark-submit configured).
     *
     * @param master  Spark master URL ({@code local[*]}, {@code local[2]}, {@code spark://host:7077}, {@code yarn}, ...),
     *                or null to take it from spark-submit's configuration ({@code local[*]} without one)
     * @param appName name shown in Spark's UI and logs
     */
    public SparkShards(String master, String appName) {
        SparkConf conf = conf(master, appName);
        this.taskCpus = conf.getInt("spark.task.cpus", 1);
        this.sc = new JavaSparkContext(conf);
    }

    /**
     * The configuration of a run. Cores per task: what the user set as {@code spark.task.cpus}, else
     * every core of a local master, else {@code spark.executor.cores}: the U-Net of an executor runs
     * one forward at a time, so one task per executor using all its cores is the efficient shape,
     * and more concurrent tasks would only queue for it.
     */
    static SparkConf conf(String master, String appName) {
        SparkConf conf = new SparkConf().setAppName(appName);
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        String m = conf.get("spark.master");
        if (!conf.contains("spark.task.cpus")) {
            int cores = m.startsWith("local") ? localCores(m) : conf.getInt("spark.executor.cores", 1);
            conf.set("spark.task.cpus", Integer.toString(cores));
        }
        // executors a cluster manager starts get the same OpenMP cap as the ND4J limit set per task
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", conf.get("spark.task.cpus"));
        // a local run has no one to look at a web UI, and starting it costs a second
        if (m.startsWith("local")) conf.setIfMissing("spark.ui.enabled", "false");
        return conf;
    }

    /** Worker threads of a local master: local → 1, local[N] / local[N,F] → N, local[*] → every core. */
    static int localCores(String master) {
        if (!master.startsWith("local[")) return 1;
        String n = master.substring("local[".length(), master.length() - 1).split(",")[0].trim();
        return n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
    }

    /** Cores each task may use ({@code spark.task.cpus}). */
    public int taskCpus() {
        return taskCpus;
    }

    /** Runs the given shards (one task each) and returns the tasks' reports in shard order. */
    public <R extends Serializable> List<R> run(String jobName, List<Integer> shards, ShardTask<R> task) {
        if (shards.isEmpty()) return List.of();
        int cores = taskCpus;
        sc.setJobGroup("diffrep", jobName, false);
        List<R> out = sc.parallelize(shards, shards.size()).map(shard -> {
            ExecutorLocal.limitThreads(cores);
            return task.compute(shard, cores);
        }).collect();
        return new ArrayList<>(out);
    }

    @Override
    public void close() {
        sc.close();
    }
}
