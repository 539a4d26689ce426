package org.diffrep.model.runtime;

import org.bytedeco.javacpp.Pointer;
import org.diffrep.common.UserInputException;

import static org.diffrep.common.util.ByteSizes.human;

/**
 * The memory the largest arrays of a request take, estimated from its sizes before the work that
 * allocates them: a request that cannot fit is refused in a second, naming the estimate, the limit
 * and what to change, instead of failing with an {@link OutOfMemoryError} after the extraction.
 * Java arrays ({@code float[]}, {@code double[]}) count against the heap limit ({@code -Xmx}); those
 * and ND4J's native buffers together against the resident-set cap ({@value NativeMemory#MAX_RSS_ENV},
 * else the machine's memory). Estimates count the arrays that grow with the request, not the
 * constant overhead of the JVM and the libraries, so a refusal is never a false alarm by much.
 *
 * @param what        the request, as the message names it ("kNN of 50,000 queries of 8,192 features")
 * @param heapBytes   bytes of Java arrays it holds at once
 * @param nativeBytes bytes of ND4J buffers it holds at once
 * @param largestArray values in its largest single Java array (Java arrays hold at most {@value #MAX_ARRAY_LENGTH})
 */
public record MemoryNeed(String what, long heapBytes, long nativeBytes, long largestArray) {

    /** The longest array every JVM allocates (a few below {@link Integer#MAX_VALUE} for the header). */
    public static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    /**
     * What a process may use.
     *
     * @param heapBytes     the Java heap's maximum
     * @param residentBytes the resident-set cap
     * @param capped        whether {@code residentBytes} is JavaCPP's cap ({@value NativeMemory#MAX_RSS_ENV}) rather than the machine's memory
     */
    public record Limits(long heapBytes, long residentBytes, boolean capped) {

        /** This JVM's: {@link Runtime#maxMemory()} and JavaCPP's physical-bytes cap, else the machine's memory. */
        public static Limits ofThisProcess() {
            long cap = Pointer.maxPhysicalBytes();
            return new Limits(Runtime.getRuntime().maxMemory(), cap > 0 ? cap : Pointer.totalPhysicalBytes(), cap > 0);
        }
    }

    /** {@code a × b × …} bytes, saturating at {@link Long#MAX_VALUE} (an absurd request stays absurd instead of wrapping around). */
    public static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            try {
                p = Math.multiplyExact(p, f);
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE;
            }
        }
        return p;
    }

    /** {@code a + b + …}, saturating like {@link #product}. */
    public static long sum(long... terms) {
        long s = 0;
        for (long t : terms) {
            s = s > Long.MAX_VALUE - t ? Long.MAX_VALUE : s + t;
        }
        return s;
    }

    /** Refuses the request when it does not fit this process ({@link Limits#ofThisProcess()}). */
    public void requireFits(String toLower) {
        requireFits(Limits.ofThisProcess(), toLower);
    }

    /**
     * Refuses the request when its arrays exceed {@code limits}.
     *
     * @param toLower the options that make the request smaller, for the message ("--limit-eval, --chunk or a coarser --pool")
     */
    public void requireFits(Limits limits, String toLower) {
        if (largestArray > MAX_ARRAY_LENGTH) {
            throw new UserInputException(what + " needs an array of " + String.format(java.util.Locale.ROOT, "%,d", largestArray)
                    + " values, more than a Java array holds (" + String.format(java.util.Locale.ROOT, "%,d", MAX_ARRAY_LENGTH) + "): lower " + toLower);
        }
        if (heapBytes > limits.heapBytes()) {
            throw new UserInputException(what + " needs about " + human(heapBytes) + " of Java heap, more than the " + human(limits.heapBytes())
                    + " this JVM may use (-Xmx): lower " + toLower + ", or raise the heap with DIFFREP_JAVA_OPTS=\"-Xmx<size> ...\"");
        }
        long total = sum(heapBytes, nativeBytes);
        if (total > limits.residentBytes()) {
            String limit = limits.capped() ? "the resident-set cap of " + human(limits.residentBytes()) + " (" + NativeMemory.MAX_RSS_ENV + ")"
                    : "the machine's " + human(limits.residentBytes());
            String parts = heapBytes > 0 && nativeBytes > 0 ? " (" + human(heapBytes) + " Java heap, " + human(nativeBytes) + " native)" : "";
            throw new UserInputException(what + " needs about " + human(total) + " of memory" + parts + ", more than " + limit + ": lower " + toLower
                    + (limits.capped() ? ", or raise " + NativeMemory.MAX_RSS_ENV + "=<size>" : ""));
        }
    }
}
