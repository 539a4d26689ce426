package org.diffrep.common.util;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Publishing a fully written temporary file under its final name in one step. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** A temporary file next to {@code target} (same file system, so the rename is atomic). */
    public static Path tempFor(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        return Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
    }

    /** Renames {@code temp} over {@code target}, readable by others like any output file (temp files start private). */
    public static void publish(Path temp, Path target) throws IOException {
        try {
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its default permissions
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes {@code text} (UTF-8) to a temporary file and publishes it as {@code target}. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code bytes} (an encoded image, ...) to a temporary file and publishes it as {@code target}. */
    public static void write(Path target, byte[] bytes) throws IOException {
        Path tmp = tempFor(target);
        try {
            Files.write(tmp, bytes);
            publish(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
