package org.diffrep.model.runtime;

import org.bytedeco.javacpp.Pointer;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How diffrep keeps ND4J's off-heap memory bounded.
 *
 * <p>ND4J (1.0.0-M2.1, CPU) returns a tensor's native buffer only when the tensor is closed or when
 * a Java GC finds its handle unreachable; the handles are tiny, so the heap alone rarely prompts a
 * GC and freed tensors pile up in the resident set. Two things bound it:
 * <ul>
 * <li>SameDiff's graph runner hands every intermediate array back to its memory manager once no
 * op needs it. By default that manager caches them for reuse (up to ¼ of JavaCPP's maxBytes);
 * {@link #closeReleasedArrays()} makes it close them at once instead, so a forward's
 * intermediates never outlive it.</li>
 * <li>The backward pass does not release anything by itself: {@code calculateGradientsAndOutputs}
 * switches the gradient function's array release off, so every forward activation and every
 * intermediate gradient of a training step stays resident until the step ends (~100 MB per image of
 * adm-fmnist). {@link #releaseBackwardIntermediates} switches it back on for a graph; the
 * gradients are bit-identical.</li>
 * <li>JavaCPP's physical-memory cap ({@value #MAX_RSS_PROPERTY}, set per command by
 * {@code bin/diffrep}): above it, JavaCPP runs a GC and {@code malloc_trim} before its next native
 * allocation and, when that cannot bring the process under the cap, throws an
 * {@link OutOfMemoryError} that {@link #explain} turns into advice.</li>
 * </ul>
 */
public final class NativeMemory {

    /**
     * The system property ND4J M2.1's {@code ArrayCacheMemoryMgr} reads (this literal name) when a
     * graph session starts: {@code false} makes {@code release()} close arrays instead of caching them.
     */
    public static final String SAMEDIFF_ARRAY_CACHE = "org.nd4j.autodiff.samediff";

    /** JavaCPP's cap on the process's resident set; 0 = none. */
    public static final String MAX_RSS_PROPERTY = "org.bytedeco.javacpp.maxphysicalbytes";

    /** The environment variable through which {@code bin/diffrep} sets {@value #MAX_RSS_PROPERTY}. */
    public static final String MAX_RSS_ENV = "DIFFREP_MAX_RSS";

    private NativeMemory() {}

    /**
     * Graph sessions started from now on close each intermediate array as soon as no op needs it
     * (unless the user set {@value #SAMEDIFF_ARRAY_CACHE} explicitly). Call before a graph first runs.
     */
    public static void closeReleasedArrays() {
        if (System.getProperty(SAMEDIFF_ARRAY_CACHE) == null) System.setProperty(SAMEDIFF_ARRAY_CACHE, "false");
    }

    /**
     * Makes each gradient computation of {@code sd} release its intermediate arrays (forward
     * activations and partial gradients) as soon as no op of the backward pass needs them, as the
     * forward pass does. ND4J M2.1's {@code calculateGradientsAndOutputs} disables that release on the
     * gradient function right before it runs (and copies {@code sd}'s listeners to it), so the switch
     * back is a listener that turns it on again when the run starts. The arrays released are the
     * ones the graph runner's dependency tracking already knows to be unused: requested gradients and
     * outputs are never among them. Idempotent.
     */
    public static void releaseBackwardIntermediates(SameDiff sd) {
        if (sd.getListeners() != null && sd.getListeners().stream().anyMatch(l -> l instanceof BackwardRelease)) return;
        sd.addListeners(new BackwardRelease());
    }

    /** Re-enables array release on the graph (the gradient function) whose run starts. */
    private static final class BackwardRelease extends BaseListener {
        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void operationStart(SameDiff sd, Operation operation) {
            if (!sd.isEnableCache()) sd.setEnableCache(true);
        }
    }

    /**
     * What the memory manager of {@code sd}'s session on this thread does with released arrays:
     * "close at once", "cache up to N MB" (with N = 0 it closes them too, after a cache lookup),
     * another manager's class name, or "no session yet" before the graph has run on this thread.
     */
    public static String releasePolicy(SameDiff sd) {
        InferenceSession session = sd.getSessions().get(Thread.currentThread().getId());
        if (session == null) return "no session yet";
        SessionMemMgr mmgr = session.getMmgr();
        if (mmgr instanceof ArrayCacheMemoryMgr cache) {
            if (!cache.isEnableCache()) return "close at once";
            return String.format(Locale.ROOT, "cache up to %d MB", cache.getMaxCacheBytes() >> 20);
        }
        return mmgr.getClass().getSimpleName();
    }

    /** JavaCPP's resident-set cap in bytes, 0 when there is none. */
    public static long maxRss() {
        return Pointer.maxPhysicalBytes();
    }

    /** One line for logs and benchmark records: the cap and the allocator settings in force. */
    public static String describe() {
        long cap = maxRss();
        String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
        String allocator = preload.contains("jemalloc") ? "jemalloc (LD_PRELOAD)"
                : "glibc malloc, MALLOC_ARENA_MAX=" + System.getenv().getOrDefault("MALLOC_ARENA_MAX", "default");
        return String.format(Locale.ROOT, "RSS cap %s, heap max %d MB, %s, %s", cap > 0 ? (cap >> 20) + " MB" : "none",
                Runtime.getRuntime().maxMemory() >> 20, allocator, hugePages());
    }

    /**
     * Whether glibc backs large buffers with transparent huge pages: its {@code glibc.malloc.hugetlb}
     * tunable (set by {@code bin/diffrep}) and the kernel's THP mode, which must offer them to
     * {@code madvise} ("always" needs no tunable, "never" defeats it).
     */
    static String hugePages() {
        String tunables = System.getenv().getOrDefault("GLIBC_TUNABLES", "");
        Matcher m = Pattern.compile("glibc\\.malloc\\.hugetlb=(\\d+)").matcher(tunables);
        String glibc = m.find() ? "glibc.malloc.hugetlb=" + m.group(1) : "glibc.malloc.hugetlb unset";
        String kernel;
        try {
            String modes = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            Matcher chosen = Pattern.compile("\\[(\\w+)]").matcher(modes);
            kernel = chosen.find() ? chosen.group(1) : modes.strip();
        } catch (IOException | RuntimeException e) {
            kernel = "unknown";
        }
        return "huge pages: " + glibc + ", kernel THP " + kernel;
    }

    /**
     * A one-line explanation when {@code e} (or an exception it wraps) is JavaCPP refusing memory
     * over the cap: the cap, and the variable that raises it.
     */
    public static Optional<String> explain(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (t instanceof OutOfMemoryError && m != null && m.contains("maxPhysicalBytes")) {
                return Optional.of(String.format(Locale.ROOT, "out of memory: the process needs more than its resident-set cap"
                        + " of %d MB (JavaCPP: %s); raise it with %s=<size> (e.g. %s=%dg bin/diffrep ...), or pass"
                        + " -D%s=<size> in DIFFREP_JAVA_OPTS; 0 lifts the cap", maxRss() >> 20, m, MAX_RSS_ENV, MAX_RSS_ENV,
                        Math.max(2, 2 * ((maxRss() >> 30) + 1)), MAX_RSS_PROPERTY));
            }
        }
        return Optional.empty();
    }
}
