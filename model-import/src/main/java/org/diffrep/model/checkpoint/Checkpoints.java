package org.diffrep.model.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point for weights files: recognises the format from the content, not the file name.
 * Supported are torch's zip format ({@code torch.save} since 1.6, see {@link TorchZipReader}) and
 * numpy's {@code .npz} ({@link NpzReader}); the legacy non-zip torch format is recognised and
 * refused with advice, since reading it safely would need a second, rarely exercised parser.
 */
public final class Checkpoints {

    public enum Format {
        TORCH_ZIP("torch zip"),
        NPZ("numpy npz");

        public final String label;

        Format(String label) {
            this.label = label;
        }
    }

    /** torch < 1.6 starts its files with this pickled number (after PROTO 2 and LONG1 10). */
    private static final byte[] LEGACY_TORCH_MAGIC = {
            (byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
            (byte) 0xa8, 0x50, 0x19};
    private static final String RESAVE = "re-save it with torch>=1.6 (torch.save(sd, f)) or export it as .npz";

    private Checkpoints() {}

    public static StateDict read(Path file) {
        return withZip(file, (zip, name) -> switch (format(zip, name)) {
            case TORCH_ZIP -> TorchZipReader.read(zip, name);
            case NPZ -> NpzReader.read(zip, name);
        });
    }

    /** Keys, shapes and stored types without reading any tensor data; validates the layout. */
    public static List<TensorInfo> describe(Path file) {
        return withZip(file, (zip, name) -> switch (format(zip, name)) {
            case TORCH_ZIP -> TorchZipReader.describe(zip, name);
            case NPZ -> NpzReader.describe(zip, name);
        });
    }

    public static Format format(Path file) {
        return withZip(file, Checkpoints::format);
    }

    static Format format(ZipIndex zip, String file) {
        if (TorchZipReader.findPickle(zip) != null) {
            return Format.TORCH_ZIP;
        }
        if (zip.entries().stream().anyMatch(e -> e.name().endsWith(".npy"))) {
            return Format.NPZ;
        }
        throw new CheckpointException(file + " is a zip archive with neither a <folder>/data.pkl entry"
                + " (so not a torch checkpoint) nor .npy entries (so not an .npz)");
    }

    interface ZipFunction<T> {
        T apply(ZipIndex zip, String file) throws IOException;
    }

    /** Opens {@code file}, refuses anything that is not a zip with a message saying what it is, and indexes it. */
    static <T> T withZip(Path file, ZipFunction<T> body) {
        String name = file.toString();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(512, channel.size()));
            while (head.hasRemaining()) {
                if (channel.read(head, head.position()) < 0) {
                    break;
                }
            }
            requireZip(Arrays.copyOf(head.array(), head.position()), name);
            return body.apply(new ZipIndex(channel, name), name);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(name + ": no such file");
        } catch (AccessDeniedException e) {
            throw new CheckpointException(name + ": permission denied");
        } catch (IOException e) {
            throw new CheckpointException(name + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    private static void requireZip(byte[] head, String file) {
        if (head.length == 0) {
            throw new CheckpointException(file + " is empty");
        }
        if (startsWith(head, new byte[] {'P', 'K', 3, 4}) || startsWith(head, new byte[] {'P', 'K', 5, 6})) {
            return;
        }
        if (startsWith(head, LEGACY_TORCH_MAGIC)) {
            throw new CheckpointException(file + " is in the unsupported legacy torch format (written by torch<1.6 or with"
                    + " _use_new_zipfile_serialization=False): " + RESAVE);
        }
        if ((head[0] & 0xff) == 0x80) {
            throw new CheckpointException(file + " is a bare pickle, not a torch zip checkpoint (unsupported legacy torch"
                    + " format?): " + RESAVE);
        }
        if (head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
            throw new CheckpointException(file + " is a tar archive, the unsupported legacy torch format of torch<0.4: " + RESAVE);
        }
        if (startsWith(head, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'})) {
            throw new CheckpointException(file + " is a single .npy array, not a set of named weights:"
                    + " save them with np.savez(f, **state_dict)");
        }
        throw new CheckpointException(file + " is not a recognised checkpoint: expected a torch zip checkpoint (.pt) or a"
                + " numpy .npz archive");
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        return data.length >= prefix.length && Arrays.equals(data, 0, prefix.length, prefix, 0, prefix.length);
    }
}
