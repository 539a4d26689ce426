package org.diffrep.datasets;

import java.util.Arrays;
import java.util.List;

/**
 * COCO mask codecs with pycocotools' exact semantics. RLE runs cover the mask in column-major
 * order (down each column first) and alternate 0-runs and 1-runs, starting with 0s. Polygons are
 * rasterised by pycocotools' rule (boundary traced on a 5x upsampled grid, a pixel is inside when
 * its centre is below a boundary crossing), so masks match the official {@code annToMask}
 * pixel for pixel rather than merely "approximately".
 */
public final class CocoMasks {
    private CocoMasks() {}

    /**
     * Decodes the compressed RLE string of pycocotools ({@code rleToString}): each count is written
     * in 5-bit groups, least significant first, as characters 48..111, bit 0x20 meaning "more groups
     * follow" and bit 0x10 of the last group being the sign. From the fourth count on the stored
     * value is the difference to the count two places earlier.
     */
    public static int[] decodeRleString(String s) {
        int[] counts = new int[s.length()];
        int m = 0;
        int p = 0;
        while (p < s.length()) {
            long x = 0;
            int k = 0;
            boolean more = true;
            while (more) {
                if (p >= s.length()) {
                    throw new IllegalArgumentException("RLE string ends inside a count: " + abbreviate(s));
                }
                int c = s.charAt(p) - 48;
                if (c < 0 || c > 63) {
                    throw new IllegalArgumentException("character '" + s.charAt(p) + "' is not in the RLE alphabet");
                }
                x |= (long) (c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) {
                    x |= -1L << (5 * k);
                }
            }
            if (m > 2) {
                x += counts[m - 2];
            }
            if (x < 0 || x > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("RLE count out of range: " + x);
            }
            counts[m++] = (int) x;
        }
        return Arrays.copyOf(counts, m);
    }

    /** Expands RLE counts to a row-major mask; the counts must cover exactly height x width pixels. */
    public static byte[] rleToMask(int[] counts, int height, int width) {
        long total = 0;
        for (int c : counts) {
            total += c;
        }
        if (total != (long) height * width) {
            throw new IllegalArgumentException("RLE counts cover " + total + " pixels, mask " + height + "x" + width
                    + " has " + (long) height * width);
        }
        byte[] mask = new byte[height * width];
        int pos = 0;
        for (int i = 0; i < counts.length; i++) {
            if ((i & 1) == 1) {
                for (int j = pos; j < pos + counts[i]; j++) {
                    int x = j / height;
                    int y = j - x * height;
                    mask[y * width + x] = 1;
                }
            }
            pos += counts[i];
        }
        return mask;
    }

    /** Union of several polygons (one COCO object split into parts), as {@code annToMask} merges them. */
    public static byte[] polygonsToMask(List<double[]> polygons, int height, int width) {
        byte[] mask = new byte[height * width];
        for (double[] polygon : polygons) {
            byte[] part = rleToMask(polygonToRle(polygon, height, width), height, width);
            for (int i = 0; i < mask.length; i++) {
                mask[i] |= part[i];
            }
        }
        return mask;
    }

    /** pycocotools' {@code rleFrPoly} for one polygon given as x1,y1,x2,y2,... in pixel coordinates. */
    public static int[] polygonToRle(double[] xy, int height, int width) {
        final double scale = 5;
        int k = xy.length / 2;
        int[] x = new int[k + 1];
        int[] y = new int[k + 1];
        for (int j = 0; j < k; j++) {
            x[j] = (int) (scale * xy[2 * j] + .5);
            y[j] = (int) (scale * xy[2 * j + 1] + .5);
        }
        x[k] = x[0];
        y[k] = y[0];

        // Trace every edge on the upsampled grid, one point per step along its major axis.
        int points = 0;
        for (int j = 0; j < k; j++) {
            points += Math.max(Math.abs(x[j] - x[j + 1]), Math.abs(y[j] - y[j + 1])) + 1;
        }
        int[] u = new int[points];
        int[] v = new int[points];
        int m = 0;
        for (int j = 0; j < k; j++) {
            int xs = x[j];
            int xe = x[j + 1];
            int ys = y[j];
            int ye = y[j + 1];
            int dx = Math.abs(xe - xs);
            int dy = Math.abs(ys - ye);
            boolean flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) {
                int t = xs;
                xs = xe;
                xe = t;
                t = ys;
                ys = ye;
                ye = t;
            }
            if (dx >= dy) {
                double s = dx == 0 ? 0 : (double) (ye - ys) / dx;
                for (int d = 0; d <= dx; d++) {
                    int t = flip ? dx - d : d;
                    u[m] = t + xs;
                    v[m] = (int) (ys + s * t + .5);
                    m++;
                }
            } else {
                double s = (double) (xe - xs) / dy;
                for (int d = 0; d <= dy; d++) {
                    int t = flip ? dy - d : d;
                    v[m] = t + ys;
                    u[m] = (int) (xs + s * t + .5);
                    m++;
                }
            }
        }

        // Keep the points where the boundary crosses a pixel-centre column, back at 1x resolution.
        int[] starts = new int[m + 1];
        int n = 0;
        for (int j = 1; j < m; j++) {
            if (u[j] == u[j - 1]) {
                continue;
            }
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / scale - .5;
            if (Math.floor(xd) != xd || xd < 0 || xd > width - 1) {
                continue;
            }
            double yd = Math.min(v[j], v[j - 1]);
            yd = (yd + .5) / scale - .5;
            yd = Math.ceil(Math.max(0, Math.min(height, yd)));
            starts[n++] = (int) xd * height + (int) yd;
        }
        starts[n++] = height * width;
        Arrays.sort(starts, 0, n);

        // Each crossing toggles inside/outside: run lengths are the gaps between sorted crossings;
        // a zero gap means two crossings cancel, so its neighbours merge.
        int[] runs = new int[n];
        int previous = 0;
        for (int j = 0; j < n; j++) {
            int t = starts[j];
            runs[j] = t - previous;
            previous = t;
        }
        int[] counts = new int[n];
        int c = 0;
        int j = 0;
        counts[c++] = runs[j++];
        while (j < n) {
            if (runs[j] > 0) {
                counts[c++] = runs[j++];
            } else {
                j++;
                if (j < n) {
                    counts[c - 1] += runs[j++];
                }
            }
        }
        return Arrays.copyOf(counts, c);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
