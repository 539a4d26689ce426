package org.diffrep.training.data;

/** Derives independent, reproducible random streams from a run seed and stream coordinates. */
public final class Seeds {
    private Seeds() {}

    /** SplitMix64 finaliser over the combined inputs. */
    public static long mix(long... parts) {
        long z = 0x9E3779B97F4A7C15L;
        for (long p : parts) {
            z += p * 0xBF58476D1CE4E5B9L + 0x632BE59BD9B4E019L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
        }
        return z;
    }

    /** A Fisher–Yates shuffle of 0..n-1 seeded by {@code seed}. */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        java.util.Random r = new java.util.Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }
}
