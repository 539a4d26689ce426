package org.diffrep.common.util;

import java.util.Locale;

/** Byte counts as people read them, for messages about disk space and memory. */
public final class ByteSizes {
    private ByteSizes() {}

    /** 1.5 GiB, 512 B. */
    public static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
