package org.diffrep.datasets;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST from its IDX files ({@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each optionally {@code .gz}), in
 * the root or torchvision's {@code FashionMNIST/raw/}. Splits: train (60,000) and test (10,000);
 * 28x28 grayscale, held in memory.
 */
public final class FashionMnistDataset extends AbstractDataset {
    static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private final Path dir;
    private final Map<String, Idx> images = new ConcurrentHashMap<>();

    private FashionMnistDataset(Path root, Path dir) {
        super("fashion-mnist", root, Task.CLASSIFICATION, List.of("train", "test"), "train", "test");
        this.dir = dir;
        for (String split : splits()) {
            file(split, "images-idx3-ubyte");
            file(split, "labels-idx1-ubyte");
        }
    }

    public static FashionMnistDataset open(Path root) {
        for (Path dir : List.of(root, root.resolve("raw"), root.resolve("FashionMNIST/raw"))) {
            if (Files.exists(dir.resolve("train-images-idx3-ubyte")) || Files.exists(dir.resolve("train-images-idx3-ubyte.gz"))) {
                return new FashionMnistDataset(root, dir);
            }
        }
        return new FashionMnistDataset(root, root);
    }

    private Path file(String split, String kind) {
        String base = (split.equals("train") ? "train-" : "t10k-") + kind;
        Path plain = dir.resolve(base);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        return Layout.requireFile(name(), root(), dir.resolve(base + ".gz"),
                "the IDX files {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]");
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    @Override
    protected List<Sample> load(String split) {
        Idx img = images(split);
        Idx lab = read(file(split, "labels-idx1-ubyte"), 0x801);
        if (lab.count != img.count) {
            throw new DatasetLayoutException(name() + ": " + split + " has " + img.count + " images but " + lab.count + " labels");
        }
        List<Sample> out = new ArrayList<>(img.count);
        for (int i = 0; i < img.count; i++) {
            int label = lab.data[i] & 0xFF;
            if (label >= CLASSES.size()) {
                throw new DatasetLayoutException(name() + ": label " + label + " of " + split + " image " + i + " is not in 0..9");
            }
            out.add(Sample.ofIndex(split + "#" + i, i, label));
        }
        return out;
    }

    @Override
    public InMemoryImages inMemoryImages(String split) {
        Idx idx = images(split);
        return new InMemoryImages() {
            @Override
            public int height() {
                return idx.dims[0];
            }

            @Override
            public int width() {
                return idx.dims[1];
            }

            @Override
            public int channels() {
                return 1;
            }

            @Override
            public byte[] pixels(int index) {
                int n = idx.dims[0] * idx.dims[1];
                byte[] out = new byte[n];
                System.arraycopy(idx.data, index * n, out, 0, n);
                return out;
            }
        };
    }

    private Idx images(String split) {
        if (!splits().contains(split)) {
            throw new IllegalArgumentException(name() + " has no split \"" + split + "\"");
        }
        return images.computeIfAbsent(split, s -> {
            Idx idx = read(file(s, "images-idx3-ubyte"), 0x803);
            if (idx.dims.length != 2) {
                throw new DatasetLayoutException(name() + ": " + s + " images are not 2-D");
            }
            return idx;
        });
    }

    /** An IDX array of unsigned bytes: count x dims. */
    private record Idx(int count, int[] dims, byte[] data) {}

    /** IDX: big-endian magic (0x08 = ubyte, low byte = rank), rank sizes, then the data. */
    private static Idx read(Path file, int magic) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            DataInputStream in = new DataInputStream(gzip ? new GZIPInputStream(raw) : raw);
            int m = in.readInt();
            if (m != magic) {
                throw new DatasetLayoutException(file + ": IDX magic " + Integer.toHexString(m) + ", expected "
                        + Integer.toHexString(magic));
            }
            int rank = magic & 0xFF;
            int count = in.readInt();
            int[] dims = new int[rank - 1];
            long size = count;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = in.readInt();
                size *= dims[i];
            }
            if (count < 0 || size > Integer.MAX_VALUE) {
                throw new DatasetLayoutException(file + ": implausible IDX size " + size);
            }
            byte[] data = new byte[(int) size];
            in.readFully(data);
            return new Idx(count, dims, data);
        } catch (EOFException e) {
            throw new DatasetLayoutException(file + ": truncated IDX file", e);
        } catch (IOException e) {
            throw new DatasetLayoutException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
