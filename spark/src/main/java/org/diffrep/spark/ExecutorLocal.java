package org.diffrep.spark;

import org.diffrep.model.runtime.OpThreads;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What an executor JVM builds once and shares between the tasks it runs: the frozen U-Net of a
 * job is read and built by the first task that needs it, later tasks (and concurrent ones) reuse it.
 */
public final class ExecutorLocal {

    private static final Map<String, Object> VALUES = new ConcurrentHashMap<>();
    private static volatile int threads;

    private ExecutorLocal() {}

    /** The value for {@code key} in this JVM, built by {@code factory} the first time it is asked for. */
    @SuppressWarnings("unchecked")
    public static <T> T get(String key, Supplier<T> factory) {
        return (T) VALUES.computeIfAbsent(key, k -> factory.get());
    }

    /**
     * Caps ND4J's (OpenMP) threads per op at the cores of one task, so that the tasks running side by
     * side in this JVM use the executor's cores without oversubscribing them. Set once per JVM: every
     * task of a job has the same {@code spark.task.cpus}.
     */
    public static void limitThreads(int cores) {
        if (threads == cores) return;
        synchronized (ExecutorLocal.class) {
            if (threads == cores) return;
            OpThreads.set(cores);
            threads = cores;
        }
    }
}
