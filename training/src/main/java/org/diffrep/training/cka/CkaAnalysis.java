package org.diffrep.training.cka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.UserInputException;
import org.diffrep.common.cli.Checks;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.model.runtime.MemoryNeed;
import org.diffrep.training.cache.FeatureColumn;
import org.diffrep.training.knn.FeatureOptions;
import org.diffrep.training.plot.Heatmap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Linear CKA between every pair of representations: the cached (t, b) taps of the evaluation split and features
 * of the same images saved as .npy by another network. {@link #compute} computes, {@link Result#write} writes
 * cka.csv, cka.png and cka.json; the command prints.
 */
public final class CkaAnalysis {

    public static final String CSV = "cka.csv";
    public static final String PNG = "cka.png";
    public static final String JSON = "cka.json";

    /** The estimators {@code --estimator} accepts. */
    public static final List<String> ESTIMATORS = List.of("biased", "unbiased", "minibatch");

    /**
     * @param timesteps noise steps of the taps
     * @param blocks    U-Net blocks of the taps
     * @param pooling   pooling of each map before flattening
     * @param estimator one of {@link #ESTIMATORS}
     * @param batch     minibatch size (minibatch estimator only)
     * @param npy       external .npy feature files, compared after the taps
     * @param blockMb   memory for the two feature blocks of a Gram product, MB
     */
    public record Settings(List<Integer> timesteps, List<Integer> blocks, Pooling pooling, String estimator, int batch,
                           List<Path> npy, long blockMb) {
        public Settings {
            if (!ESTIMATORS.contains(estimator)) throw new UserInputException("--estimator must be biased, unbiased or minibatch");
        }
    }

    /** The CKA matrix between the representations named by {@code labels}, on {@code samples} images. */
    public record Result(Settings settings, int samples, List<String> labels, double[][] cka, double seconds) {

        /** Writes cka.csv, cka.png (titled {@code title} suffix) and cka.json into {@code dir}. */
        public void write(Path dir, ObjectMapper mapper, JsonNode provenance) throws IOException {
            Files.createDirectories(dir);
            writeCsv(dir.resolve(CSV));
            writeHeatmap(dir.resolve(PNG), "linear CKA (" + settings.estimator() + "), " + samples + " images, pool "
                    + settings.pooling());
            AtomicFiles.writeString(dir.resolve(JSON), mapper.writeValueAsString(toJson(mapper, provenance)));
        }

        public ObjectNode toJson(ObjectMapper mapper, JsonNode provenance) {
            ObjectNode json = mapper.createObjectNode();
            ObjectNode cfg = json.putObject("config");
            cfg.set("t", mapper.valueToTree(settings.timesteps()));
            cfg.set("blocks", mapper.valueToTree(settings.blocks()));
            cfg.put("pool", settings.pooling().toString());
            cfg.put("estimator", settings.estimator());
            if (settings.estimator().equals("minibatch")) cfg.put("batch", settings.batch());
            cfg.put("samples", samples);
            cfg.set("npy", mapper.valueToTree(settings.npy().stream().map(p -> p.toAbsolutePath().toString()).toList()));
            json.set("provenance", provenance);
            json.set("labels", mapper.valueToTree(labels));
            json.set("cka", mapper.valueToTree(cka));
            json.put("seconds", seconds);
            return json;
        }

        void writeCsv(Path file) throws IOException {
            StringBuilder sb = new StringBuilder("t:b");
            for (String l : labels) sb.append(',').append(l);
            sb.append('\n');
            for (int i = 0; i < cka.length; i++) {
                sb.append(labels.get(i));
                for (double v : cka[i]) sb.append(',').append(String.format(Locale.ROOT, "%.6f", v));
                sb.append('\n');
            }
            AtomicFiles.writeString(file, sb.toString());
        }

        void writeHeatmap(Path file, String title) throws IOException {
            int side = Math.max(480, 36 * labels.size() + 220);
            Heatmap map = Heatmap.of(labels, labels).title(title).series("CKA").decimals("0.00")
                    .showValues(labels.size() <= 16).range(Math.min(0, min(cka)), 1).size(side + 120, side);
            for (int x = 0; x < cka.length; x++) for (int y = 0; y < cka.length; y++) map.set(x, y, cka[y][x]);
            map.writePng(file);
        }

        private static double min(double[][] m) {
            double v = Double.POSITIVE_INFINITY;
            for (double[] row : m) for (double x : row) v = Math.min(v, x);
            return v;
        }
    }

    private CkaAnalysis() {
    }

    /**
     * CKA between the taps of {@code taps} (cached features of the first {@code samples} evaluation images) and the
     * settings' .npy files (their first {@code samples} rows). Closes nothing it was given; closes the .npy files it opens.
     */
    public static Result compute(Map<Tap, FeatureColumn> taps, int samples, Settings settings) throws IOException {
        long t0 = System.nanoTime();
        List<NpyFile> external = new ArrayList<>();
        try {
            List<LinearCka.Rows> reps = new ArrayList<>();
            taps.forEach((tap, f) -> reps.add(new CacheRows(tap.t() + ":" + tap.block(), f)));
            for (Path p : settings.npy()) {
                NpyFile f = NpyFile.open(p, null);
                external.add(f);
                if (f.count() < samples) throw new UserInputException(p + " has " + f.count() + " rows, the evaluation split " + samples);
                reps.add(f.count() == samples ? f : new FirstRows(f, samples));
            }
            List<String> labels = reps.stream().map(LinearCka.Rows::label).toList();
            long budget = budgetFloats(settings);
            double[][] cka = switch (settings.estimator()) {
                case "minibatch" -> LinearCka.minibatch(reps, settings.batch());
                case "unbiased" -> LinearCka.matrix(LinearCka.grams(reps, budget), samples, LinearCka.Estimator.UNBIASED);
                default -> LinearCka.matrix(LinearCka.grams(reps, budget), samples, LinearCka.Estimator.BIASED);
            };
            return new Result(settings, samples, labels, cka, (System.nanoTime() - t0) / 1e9);
        } finally {
            for (NpyFile f : external) f.close();
        }
    }

    /** Floats of the two row blocks of a Gram product (--block-mb). */
    private static long budgetFloats(Settings settings) {
        return settings.blockMb() * (1L << 20) / Float.BYTES;
    }

    /**
     * What {@link #compute} holds in memory at once for {@code representations} representations (taps
     * and .npy files) of {@code samples} images, the widest of {@code widestDim} values.
     */
    public static MemoryNeed memoryNeed(Settings settings, int representations, int samples, long widestDim) {
        return settings.estimator().equals("minibatch") ? LinearCka.minibatchNeed(representations, samples, settings.batch(), widestDim)
                : LinearCka.fullBatchNeed(representations, samples, widestDim, budgetFloats(settings));
    }

    /**
     * Checks the .npy files before any feature is extracted: each is a readable float array with at
     * least {@code samples} rows.
     *
     * @return the widest row among them (0 without files)
     */
    public static int checkNpy(List<Path> files, int samples) {
        int widest = 0;
        for (Path p : files) {
            Checks.existingFile("--npy", p);
            int rows;
            try (NpyFile f = NpyFile.open(p, null)) {
                rows = f.count();
                widest = Math.max(widest, f.dim());
            } catch (IOException | UserInputException e) {
                // both name the file: not an .npy file, truncated, or not a float array
                throw new UserInputException("--npy " + e.getMessage(), e);
            }
            if (rows < samples) throw new UserInputException("--npy " + p + " has " + rows + " rows, the evaluation split " + samples);
        }
        return widest;
    }

    /** A cache file (draw 0) as CKA rows. */
    private record CacheRows(String label, FeatureColumn file) implements LinearCka.Rows {
        @Override
        public int count() {
            return file.count();
        }

        @Override
        public int dim() {
            return file.featureLength();
        }

        @Override
        public void read(int start, int n, float[] out) {
            FeatureOptions.readRows(file, start, n, out);
        }
    }

    /** The first n rows of a longer array (features saved for the whole split, CKA on its first n images). */
    private record FirstRows(LinearCka.Rows all, int count) implements LinearCka.Rows {
        @Override
        public String label() {
            return all.label();
        }

        @Override
        public int dim() {
            return all.dim();
        }

        @Override
        public void read(int start, int n, float[] out) {
            if (start + n > count) throw new IndexOutOfBoundsException(start + n + " > " + count);
            all.read(start, n, out);
        }
    }
}
