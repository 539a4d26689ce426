package org.diffrep.model.runtime;

import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's threads per op: the threads its parallel loops split an op among (libnd4j's "master
 * threads"; {@code OMP_NUM_THREADS} when set, else every core). They can be lowered and raised again
 * at run time, never above the count the process started with. Graphs of tiny ops run faster on
 * fewer: with the launcher's passive OpenMP threads, each of the thousands of small ops of a
 * training step pays for waking a sleeping peer. The count also fixes how reductions are split, so
 * it decides the last bits of results.
 */
public final class OpThreads implements AutoCloseable {

    private final int threads;
    private final int masterThreads;

    private OpThreads(int threads, int masterThreads) {
        this.threads = threads;
        this.masterThreads = masterThreads;
    }

    /** ND4J's threads per op now. */
    public static int current() {
        return Nd4j.getEnvironment().maxMasterThreads();
    }

    /** Sets ND4J's threads per op (and of its master threads) to {@code threads}. */
    public static void set(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads per op must be >= 1, got " + threads);
        Environment env = Nd4j.getEnvironment();
        env.setMaxThreads(threads);
        env.setMaxMasterThreads(threads);
    }

    /**
     * Lowers ND4J's threads per op to at most {@code threads} until {@link #close()} restores them;
     * {@code threads} ≤ 0 leaves them as they are.
     */
    public static OpThreads atMost(int threads) {
        Environment env = Nd4j.getEnvironment();
        OpThreads before = new OpThreads(env.maxThreads(), env.maxMasterThreads());
        if (threads > 0 && threads < before.masterThreads) set(threads);
        return before;
    }

    @Override
    public void close() {
        Environment env = Nd4j.getEnvironment();
        env.setMaxThreads(threads);
        env.setMaxMasterThreads(masterThreads);
    }
}
