package org.diffrep.datasets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Format sniffing and integrity checks. OpenCV decodes a truncated JPEG without complaint (it
 * fills the missing rows grey), so truncation is detected here from the file's end marker.
 */
final class ImageFiles {
    /** Bytes after the end-of-image marker that we still accept (some cameras pad files). */
    private static final int TAIL = 1024;

    private ImageFiles() {}

    enum Format { JPEG, PNG, GIF, BMP, TIFF, WEBP }

    static byte[] readAll(Path file) throws UnreadableImageException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UnreadableImageException(file.toString(), "missing file");
        } catch (IOException e) {
            throw new UnreadableImageException(file.toString(), "cannot read: " + e.getMessage());
        }
    }

    /** Checks a file from its first and last bytes only, without reading or decoding all of it. */
    static String quickProblem(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 32));
            ch.read(head, 0);
            ByteBuffer tail = ByteBuffer.allocate((int) Math.min(size, TAIL));
            ch.read(tail, size - tail.capacity());
            return problem(head.array(), tail.array(), size);
        } catch (NoSuchFileException e) {
            return "missing file";
        } catch (IOException e) {
            return "cannot read: " + e.getMessage();
        }
    }

    /** Null when the bytes look like a complete image, else why not. */
    static String problem(byte[] bytes) {
        byte[] tail = Arrays.copyOfRange(bytes, Math.max(0, bytes.length - TAIL), bytes.length);
        return problem(bytes, tail, bytes.length);
    }

    private static String problem(byte[] head, byte[] tail, long size) {
        if (size == 0) {
            return "empty file";
        }
        Format format = format(head);
        if (format == null) {
            return "not an image (unknown signature " + hex(head, 8) + ")";
        }
        switch (format) {
            case JPEG:
                // FF D9 cannot occur inside entropy-coded data (FF is always stuffed there), so its absence
                // near the end means the file was cut.
                return lastIndexOf(tail, (byte) 0xFF, (byte) 0xD9) < 0 ? "truncated JPEG (no end-of-image marker)" : null;
            case PNG:
                return indexOf(tail, "IEND".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) < 0
                        ? "truncated PNG (no IEND chunk)" : null;
            case GIF:
                return lastIndexOf(tail, (byte) 0x3B) < 0 ? "truncated GIF (no trailer)" : null;
            case BMP:
                if (head.length < 6) {
                    return "truncated BMP header";
                }
                long declared = (head[2] & 0xFFL) | (head[3] & 0xFFL) << 8 | (head[4] & 0xFFL) << 16 | (head[5] & 0xFFL) << 24;
                return declared > size ? "truncated BMP (" + size + " of " + declared + " bytes)" : null;
            default:
                return null;
        }
    }

    static Format format(byte[] h) {
        if (h.length >= 3 && (h[0] & 0xFF) == 0xFF && (h[1] & 0xFF) == 0xD8 && (h[2] & 0xFF) == 0xFF) {
            return Format.JPEG;
        }
        if (h.length >= 8 && (h[0] & 0xFF) == 0x89 && h[1] == 'P' && h[2] == 'N' && h[3] == 'G') {
            return Format.PNG;
        }
        if (h.length >= 6 && h[0] == 'G' && h[1] == 'I' && h[2] == 'F' && h[3] == '8') {
            return Format.GIF;
        }
        if (h.length >= 2 && h[0] == 'B' && h[1] == 'M') {
            return Format.BMP;
        }
        if (h.length >= 4 && ((h[0] == 'I' && h[1] == 'I' && h[2] == 42 && h[3] == 0)
                || (h[0] == 'M' && h[1] == 'M' && h[2] == 0 && h[3] == 42))) {
            return Format.TIFF;
        }
        if (h.length >= 12 && h[0] == 'R' && h[1] == 'I' && h[2] == 'F' && h[3] == 'F'
                && h[8] == 'W' && h[9] == 'E' && h[10] == 'B' && h[11] == 'P') {
            return Format.WEBP;
        }
        return null;
    }

    /**
     * Width and height from a JPEG's start-of-frame segment, or null if there is none before the
     * scan data. Used to pick a DCT downscale factor before decoding.
     */
    static int[] jpegSize(byte[] b) {
        int p = 2;
        while (p + 9 < b.length) {
            if ((b[p] & 0xFF) != 0xFF) {
                return null;
            }
            int marker = b[p + 1] & 0xFF;
            if (marker == 0xFF) {
                p++;
                continue;
            }
            int length = (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (startOfFrame) {
                int h = (b[p + 5] & 0xFF) << 8 | (b[p + 6] & 0xFF);
                int w = (b[p + 7] & 0xFF) << 8 | (b[p + 8] & 0xFF);
                return w > 0 && h > 0 ? new int[] {w, h} : null;
            }
            if (marker == 0xDA) {
                return null;
            }
            p += 2 + length;
        }
        return null;
    }

    private static int lastIndexOf(byte[] a, byte... pattern) {
        for (int i = a.length - pattern.length; i >= 0; i--) {
            if (matches(a, i, pattern)) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] a, byte[] pattern) {
        for (int i = 0; i + pattern.length <= a.length; i++) {
            if (matches(a, i, pattern)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean matches(byte[] a, int at, byte[] pattern) {
        for (int j = 0; j < pattern.length; j++) {
            if (a[at + j] != pattern[j]) {
                return false;
            }
        }
        return true;
    }

    private static String hex(byte[] a, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, a.length); i++) {
            sb.append(String.format("%02x", a[i] & 0xFF));
        }
        return sb.toString();
    }
}
