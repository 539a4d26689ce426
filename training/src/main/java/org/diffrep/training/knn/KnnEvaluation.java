package org.diffrep.training.knn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.model.runtime.MemoryNeed;
import org.diffrep.training.cache.FeatureColumn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Weighted kNN of every (t, b) tap: the evaluation split's cached features against the training split's as
 * memory bank. {@link #evaluate} computes, the {@link Result} is written as JSON by {@link Result#write}; the
 * command prints it.
 */
public final class KnnEvaluation {

    /**
     * @param timesteps   noise steps evaluated
     * @param blocks      U-Net blocks evaluated
     * @param pooling     pooling applied before the cache
     * @param ks          neighbour counts
     * @param temperature vote temperature τ
     * @param chunk       memory-bank rows processed at once
     */
    public record Settings(List<Integer> timesteps, List<Integer> blocks, Pooling pooling, List<Integer> ks,
                           double temperature, int chunk) {}

    /** The kNN accuracies of one tap, with the time it took. */
    public record Row(Tap tap, int dim, WeightedKnn.Result knn, double seconds) {}

    /** Every tap's row, in the memory bank's tap order. */
    public record Result(Settings settings, List<Row> rows) {

        /** The result object: config, provenance, and per tap the accuracies by k. */
        public ObjectNode toJson(ObjectMapper mapper, JsonNode provenance) {
            ObjectNode result = mapper.createObjectNode();
            ObjectNode cfg = result.putObject("config");
            cfg.set("t", mapper.valueToTree(settings.timesteps()));
            cfg.set("blocks", mapper.valueToTree(settings.blocks()));
            cfg.put("pool", settings.pooling().toString());
            cfg.set("k", mapper.valueToTree(settings.ks()));
            cfg.put("temperature", settings.temperature());
            cfg.put("similarity", "cosine (L2-normalised features)");
            cfg.put("vote", "sum over the k nearest of exp(sim/temperature); ties between classes count against the true class");
            cfg.put("chunk", settings.chunk());
            result.set("provenance", provenance);
            ArrayNode out = result.putArray("results");
            for (Row r : rows) {
                ObjectNode row = out.addObject();
                row.put("t", r.tap().t());
                row.put("block", r.tap().block());
                row.put("dim", r.dim());
                row.put("bank", r.knn().bankSize());
                row.put("queries", r.knn().queries());
                ObjectNode perK = row.putObject("k");
                for (WeightedKnn.Accuracy a : r.knn().accuracies()) {
                    ObjectNode o = perK.putObject(Integer.toString(a.k()));
                    o.put("top1", a.top1());
                    o.put("top5", a.top5());
                    o.put("effective_k", a.effectiveK());
                }
                row.put("seconds", r.seconds());
            }
            return result;
        }

        /** Writes {@link #toJson} atomically to {@code file}, creating its folder. */
        public void write(Path file, ObjectMapper mapper, JsonNode provenance) throws IOException {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            AtomicFiles.writeString(file, mapper.writeValueAsString(toJson(mapper, provenance)));
        }
    }

    private KnnEvaluation() {
    }

    /** kNN of every tap of {@code bank} (training split) with the same tap of {@code queries} (evaluation split). */
    public static Result evaluate(Map<Tap, FeatureColumn> bank, Map<Tap, FeatureColumn> queries, int numClasses, Settings settings) {
        List<Row> rows = new ArrayList<>();
        for (Tap tap : bank.keySet()) {
            long t0 = System.nanoTime();
            FeatureColumn q = queries.get(tap);
            WeightedKnn.Result r = knn(settings, numClasses)
                    .evaluate(new CacheBank(bank.get(tap)), FeatureOptions.readAll(q), q.labels(), false);
            rows.add(new Row(tap, q.featureLength(), r, (System.nanoTime() - t0) / 1e9));
        }
        return new Result(settings, List.copyOf(rows));
    }

    /**
     * What {@link #evaluate} holds in memory at once for its widest tap ({@code dim} features): the
     * evaluation split's features of that tap and the working set of streaming the bank.
     */
    public static MemoryNeed memoryNeed(Settings settings, int numClasses, int queries, int bankSize, long dim) {
        return knn(settings, numClasses).memoryNeed(queries, bankSize, dim);
    }

    private static WeightedKnn knn(Settings settings, int numClasses) {
        return new WeightedKnn(settings.ks().stream().mapToInt(Integer::intValue).toArray(), settings.temperature(), numClasses)
                .optChunkSize(settings.chunk());
    }

    /** A cache file (draw 0) as a kNN memory bank. */
    static final class CacheBank implements WeightedKnn.Bank {
        private final FeatureColumn file;
        private final int[] labels;

        CacheBank(FeatureColumn file) {
            this.file = file;
            this.labels = file.labels();
        }

        @Override
        public int size() {
            return file.count();
        }

        @Override
        public int dim() {
            return file.featureLength();
        }

        @Override
        public int label(int index) {
            return labels[index];
        }

        @Override
        public void read(int start, int count, float[] out) {
            FeatureOptions.readRows(file, start, count, out);
        }
    }
}
