package org.diffrep.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reference masks and strings below were produced with pycocotools 2.0.11 (frPyObjects, merge, decode, encode). */
class CocoMasksTest {

    private static String rows(byte[] mask, int h, int w) {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                sb.append(mask[y * w + x]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Test
    void quadrilateralMatchesPycocotools() {
        double[] poly = {1.2, 1.0, 6.7, 1.5, 5.1, 5.8, 0.9, 4.4};
        int[] counts = CocoMasks.polygonToRle(poly, 7, 9);
        byte[] mask = CocoMasks.rleToMask(counts, 7, 9);
        assertThat(rows(mask, 7, 9)).isEqualTo("""
                000000000
                011111000
                011111000
                011111000
                011111000
                000010000
                000000000
                """);
        // pycocotools' compressed string for the same RLE
        assertThat(counts).containsExactly(CocoMasks.decodeRleString("84300001OOe0"));
    }

    @Test
    void integerRectangleCoversWidthTimesHeightPixels() {
        byte[] mask = CocoMasks.polygonsToMask(List.of(new double[] {2, 1, 6, 1, 6, 4, 2, 4}), 7, 9);
        assertThat(rows(mask, 7, 9)).isEqualTo("""
                000000000
                001111000
                001111000
                001111000
                000000000
                000000000
                000000000
                """);
    }

    @Test
    void objectInTwoPartsIsTheUnionOfItsPolygons() {
        byte[] mask = CocoMasks.polygonsToMask(List.of(new double[] {0.5, 0.5, 3.5, 0.5, 3.5, 2.5, 0.5, 2.5},
                new double[] {5, 3, 8.2, 3.1, 7, 6.4}), 7, 9);
        assertThat(rows(mask, 7, 9)).isEqualTo("""
                000000000
                011100000
                011100000
                000001110
                000000110
                000000000
                000000000
                """);
    }

    @Test
    void compressedRleStringDecodesToPycocotoolsMask() {
        int h = 40;
        int w = 60;
        byte[] expected = new byte[h * w];
        fill(expected, w, 5, 30, 10, 50, 1);
        fill(expected, w, 12, 18, 20, 25, 0);
        fill(expected, w, 0, 3, 0, 60, 1);
        fill(expected, w, 35, 40, 55, 60, 1);
        String encoded = "03U10000000000000000000mNf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOH4454GH4454GH"
                + "4454GH4454GH4454GHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOH"
                + "f08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOHf08ZOk0000000000K50000000M";
        byte[] mask = CocoMasks.rleToMask(CocoMasks.decodeRleString(encoded), h, w);
        assertThat(mask).isEqualTo(expected);
        int area = 0;
        for (byte b : mask) {
            area += b;
        }
        assertThat(area).isEqualTo(1175);
    }

    @Test
    void uncompressedCountsAreColumnMajorAndStartWithZeros() {
        byte[] mask = CocoMasks.rleToMask(new int[] {2, 5, 1, 1, 2, 1}, 3, 4);
        assertThat(rows(mask, 3, 4)).isEqualTo("0110\n0100\n1111\n");
    }

    @Test
    void countsThatDoNotCoverTheMaskAreRejected() {
        assertThatThrownBy(() -> CocoMasks.rleToMask(new int[] {2, 5}, 3, 4)).hasMessageContaining("cover 7 pixels");
        assertThatThrownBy(() -> CocoMasks.decodeRleString("0P")).hasMessageContaining("ends inside a count");
    }

    private static void fill(byte[] m, int w, int y0, int y1, int x0, int x1, int v) {
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                m[y * w + x] = (byte) v;
            }
        }
    }
}
