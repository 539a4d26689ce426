package org.diffrep.tuning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.distribution.LogUniformDistribution;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.diffrep.common.UserInputException;
import org.diffrep.model.features.Pooling;
import org.diffrep.training.train.OptimizerKind;
import org.diffrep.training.train.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sweep declared in YAML (format in tuning/README.md): the searched dimensions t, blocks,
 * pooling, lr and head, the search kind and its stopping rules, the training recipe every candidate
 * shares, the data limits and the shape of mlp/attention heads. Parsing is strict: an unknown or
 * malformed field fails with a {@link SpaceException} naming it.
 */
public final class SearchSpace {

    public enum Search { GRID, RANDOM }

    /**
     * A single value as Arbiter's {@link FixedValue}: its grid generator sizes the candidate vector by the leaves with more than
     * one value, so a one-value {@link DiscreteParameterSpace} would read past its end.
     */
    static <T> ParameterSpace<T> discrete(List<T> values) {
        return values.size() == 1 ? new FixedValue<>(values.get(0)) : new DiscreteParameterSpace<>(values);
    }

    /** Integers as an explicit list, or a range min..max (every {@code step}-th value in a grid, uniform in random search). */
    public record IntDim(List<Integer> values, int min, int max, int step) {
        ParameterSpace<Integer> arbiter(Search search) {
            if (values != null) return discrete(values);
            if (search == Search.RANDOM) return new IntegerParameterSpace(min, max);
            return discrete(expand());
        }

        List<Integer> expand() {
            if (values != null) return values;
            List<Integer> v = new ArrayList<>();
            for (int x = min; x <= max; x += step) v.add(x);
            return v;
        }
    }

    /** Learning rates as a list, or log-uniform in [min, max] ({@code points} log-spaced values in a grid). */
    public record LrDim(List<Double> values, double min, double max, int points) {
        ParameterSpace<Double> arbiter() {
            return values != null ? discrete(values) : new ContinuousParameterSpace(new LogUniformDistribution(min, max));
        }
    }

    /** Shape of the mlp and attention heads (fixed for the sweep). */
    public record HeadShape(List<Integer> hidden, int dim, int attnHeads, double mlpRatio, int depth, int poolCap) {}

    /** How much data the sweep reads and how the feature cache is filled. */
    public record Data(int limitTrain, int limitEval, int draws, int extractBatch) {}

    private static final Set<String> TOP = Set.of("search", "seed", "candidates", "max_minutes", "t", "blocks", "pooling", "lr", "head",
            "train", "data", "heads");
    private static final Set<String> TRAIN = Set.of("epochs", "batch", "eval_batch", "optimizer", "momentum", "weight_decay", "lr_step", "lr_gamma");
    private static final Set<String> DATA = Set.of("limit_train", "limit_eval", "draws", "extract_batch");
    private static final Set<String> HEADS = Set.of("hidden", "dim", "attn_heads", "mlp_ratio", "depth", "pool_cap");
    private static final Pattern RANGE = Pattern.compile("\\s*(\\d+)\\s*\\.\\.\\s*(\\d+)\\s*");

    private final Search search;
    private final long seed;
    private final int candidates;
    private final double maxMinutes;
    private final IntDim t;
    private final IntDim blocks;
    private final List<String> pooling;
    private final LrDim lr;
    private final List<String> heads;
    private final TrainConfig train;
    private final Data data;
    private final HeadShape headShape;

    private SearchSpace(Search search, long seed, int candidates, double maxMinutes, IntDim t, IntDim blocks, List<String> pooling, LrDim lr,
                        List<String> heads, TrainConfig train, Data data, HeadShape headShape) {
        this.search = search;
        this.seed = seed;
        this.candidates = candidates;
        this.maxMinutes = maxMinutes;
        this.t = t;
        this.blocks = blocks;
        this.pooling = pooling;
        this.lr = lr;
        this.heads = heads;
        this.train = train;
        this.data = data;
        this.headShape = headShape;
    }

    public static SearchSpace read(Path file) throws IOException {
        try {
            return parse(Files.readString(file));
        } catch (SpaceException e) {
            throw new SpaceException(file + ": " + e.getMessage());
        }
    }

    public static SearchSpace parse(String yaml) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new SpaceException("not valid YAML: " + UserInputException.describe(e));
        }
        if (root == null || !root.isObject()) throw new SpaceException("the space file must be a YAML mapping (t: ..., blocks: ...)");
        checkKeys(root, TOP, "");
        Search search = switch (text(root, "search", "grid").toLowerCase(Locale.ROOT)) {
            case "grid" -> Search.GRID;
            case "random" -> Search.RANDOM;
            default -> throw new SpaceException("search", "must be grid or random, got '" + root.get("search").asText() + "'");
        };
        int candidates = integer(root, "candidates", 0, 0, Integer.MAX_VALUE);
        if (search == Search.RANDOM && candidates == 0) throw new SpaceException("candidates", "random search needs the number of candidates to draw");
        double maxMinutes = number(root, "max_minutes", 0, 0, Double.MAX_VALUE);
        if (!root.has("t")) throw new SpaceException("t", "missing (a list like [50, 150] or a range {min: 10, max: 500})");
        if (!root.has("blocks")) throw new SpaceException("blocks", "missing (a list like [19, 24], a range \"1..37\" or {min: 1, max: 37})");
        IntDim t = intDim(root.get("t"), "t", 0, 999);
        IntDim blocks = intDim(root.get("blocks"), "blocks", 1, 10_000);
        List<String> pooling = new ArrayList<>();
        for (String p : strings(root, "pooling", List.of("avg:2"))) {
            try {
                pooling.add(Pooling.parse(p).toString());
            } catch (IllegalArgumentException e) {
                throw new SpaceException("pooling", e.getMessage());
            }
        }
        List<String> heads = new ArrayList<>();
        for (String h : strings(root, "head", List.of("linear"))) {
            String k = h.trim().toLowerCase(Locale.ROOT);
            if (!k.equals("linear") && !k.equals("mlp") && !k.equals("attention")) {
                throw new SpaceException("head", "'" + h + "' is not linear, mlp or attention (the heads that train from cached features)");
            }
            heads.add(k);
        }
        LrDim lr = lrDim(root.get("lr"));
        JsonNode tr = section(root, "train", TRAIN);
        int epochs = integer(tr, "train.epochs", "epochs", 10, 1, 100_000);
        int batch = integer(tr, "train.batch", "batch", 64, 1, 1 << 20);
        String optimizerName = text(tr, "optimizer", "adam");
        OptimizerKind optimizer;
        try {
            optimizer = OptimizerKind.parse(optimizerName);
        } catch (IllegalArgumentException e) {
            throw new SpaceException("train.optimizer", "must be sgd or adam, got '" + optimizerName + "'");
        }
        TrainConfig train = TrainConfig.builder(1e-3, batch).optEpochs(epochs).optOptimizer(optimizer)
                .optMomentum(number(tr, "train.momentum", "momentum", 0, 0, 1))
                .optWeightDecay(number(tr, "train.weight_decay", "weight_decay", 0, 0, 1))
                .optLrSchedule(integer(tr, "train.lr_step", "lr_step", 1_000_000, 1, Integer.MAX_VALUE),
                        number(tr, "train.lr_gamma", "lr_gamma", 0.1, 0, 1))
                .optEvalBatch(integer(tr, "train.eval_batch", "eval_batch", batch, 1, 1 << 20)).build();
        JsonNode da = section(root, "data", DATA);
        Data data = new Data(integer(da, "data.limit_train", "limit_train", 0, 0, Integer.MAX_VALUE),
                integer(da, "data.limit_eval", "limit_eval", 0, 0, Integer.MAX_VALUE), integer(da, "data.draws", "draws", 1, 1, 1000),
                integer(da, "data.extract_batch", "extract_batch", 32, 1, 1 << 16));
        JsonNode hs = section(root, "heads", HEADS);
        List<Integer> hidden = new ArrayList<>();
        JsonNode hn = hs.get("hidden");
        if (hn == null) {
            hidden.add(512);
        } else {
            for (JsonNode x : hn.isArray() ? hn : List.of(hn)) {
                if (!x.canConvertToInt() || !x.isIntegralNumber() || x.asInt() < 1) throw new SpaceException("heads.hidden", "widths must be positive integers, got " + hn);
                hidden.add(x.asInt());
            }
        }
        int dim = integer(hs, "heads.dim", "dim", 128, 1, 1 << 16);
        int attnHeads = integer(hs, "heads.attn_heads", "attn_heads", 4, 1, 1024);
        if (dim % attnHeads != 0) throw new SpaceException("heads.attn_heads", attnHeads + " does not divide heads.dim " + dim);
        HeadShape shape = new HeadShape(List.copyOf(hidden), dim, attnHeads, number(hs, "heads.mlp_ratio", "mlp_ratio", 2, 1e-6, 1000),
                integer(hs, "heads.depth", "depth", 1, 1, 64), integer(hs, "heads.pool_cap", "pool_cap", 16, 1, 1 << 16));
        return new SearchSpace(search, integerLong(root, "seed"), candidates, maxMinutes, t, blocks, List.copyOf(new LinkedHashSet<>(pooling)), lr,
                List.copyOf(new LinkedHashSet<>(heads)), train, data, shape);
    }

    /** Fails naming {@code blocks} when a block is not one of the model's {@code numBlocks}. */
    public void checkBlocks(int numBlocks, String model) {
        List<Integer> declared = blocks.values != null ? blocks.values : List.of(blocks.min, blocks.max);
        for (int b : declared) {
            if (b < 1 || b > numBlocks) throw new SpaceException("blocks", "block " + b + " is outside 1.." + numBlocks + " of " + model);
        }
    }

    private static JsonNode section(JsonNode root, String name, Set<String> keys) {
        JsonNode s = root.get(name);
        if (s == null || s.isNull()) return new ObjectMapper().createObjectNode();
        if (!s.isObject()) throw new SpaceException(name, "must be a mapping");
        checkKeys(s, keys, name + ".");
        return s;
    }

    private static void checkKeys(JsonNode node, Set<String> known, String prefix) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) throw new SpaceException(prefix + k, "unknown field (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
        }
    }

    private static IntDim intDim(JsonNode n, String field, int lo, int hi) {
        List<Integer> values = null;
        int min;
        int max;
        int step = 1;
        if (n.isArray() || n.isIntegralNumber()) {
            values = new ArrayList<>();
            for (JsonNode x : n.isArray() ? n : List.of(n)) {
                if (!x.isIntegralNumber()) throw new SpaceException(field, "values must be integers, got " + x);
                values.add(x.asInt());
            }
            if (values.isEmpty()) throw new SpaceException(field, "empty list");
            values = List.copyOf(new LinkedHashSet<>(values));
            min = values.stream().mapToInt(Integer::intValue).min().orElseThrow();
            max = values.stream().mapToInt(Integer::intValue).max().orElseThrow();
        } else if (n.isTextual() && RANGE.matcher(n.asText()).matches()) {
            Matcher m = RANGE.matcher(n.asText());
            m.matches();
            min = Integer.parseInt(m.group(1));
            max = Integer.parseInt(m.group(2));
        } else if (n.isObject()) {
            checkKeys(n, Set.of("min", "max", "step"), field + ".");
            if (!n.has("min") || !n.has("max")) throw new SpaceException(field, "a range needs min and max");
            min = integer(n, field + ".min", "min", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
            max = integer(n, field + ".max", "max", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
            step = integer(n, field + ".step", "step", 1, 1, Integer.MAX_VALUE);
        } else {
            throw new SpaceException(field, "expected a list of integers, \"a..b\" or {min, max[, step]}, got " + n);
        }
        if (min > max) throw new SpaceException(field, "min " + min + " > max " + max);
        if (min < lo || max > hi) throw new SpaceException(field, "values must lie in " + lo + ".." + hi + ", got " + min + ".." + max);
        return new IntDim(values, min, max, step);
    }

    private static LrDim lrDim(JsonNode n) {
        if (n == null || n.isNull()) return new LrDim(List.of(1e-3), 1e-3, 1e-3, 1);
        if (n.isArray() || n.isNumber()) {
            List<Double> v = new ArrayList<>();
            for (JsonNode x : n.isArray() ? n : List.of(n)) {
                if (!x.isNumber() || !(x.asDouble() > 0)) throw new SpaceException("lr", "learning rates must be positive numbers, got " + x);
                v.add(x.asDouble());
            }
            if (v.isEmpty()) throw new SpaceException("lr", "empty list");
            return new LrDim(List.copyOf(new LinkedHashSet<>(v)), 0, 0, v.size());
        }
        if (n.isObject()) {
            checkKeys(n, Set.of("min", "max", "points"), "lr.");
            if (!n.has("min") || !n.has("max")) throw new SpaceException("lr", "a log range needs min and max");
            double min = number(n, "lr.min", "min", 0, Double.MIN_VALUE, 1e6);
            double max = number(n, "lr.max", "max", 0, Double.MIN_VALUE, 1e6);
            if (!(min < max)) throw new SpaceException("lr", "min " + min + " must be < max " + max);
            return new LrDim(null, min, max, integer(n, "lr.points", "points", 3, 2, 1000));
        }
        throw new SpaceException("lr", "expected a number, a list or {min, max[, points]}, got " + n);
    }

    private static List<String> strings(JsonNode root, String field, List<String> dflt) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return dflt;
        List<String> out = new ArrayList<>();
        for (JsonNode x : n.isArray() ? n : List.of(n)) {
            if (!x.isValueNode()) throw new SpaceException(field, "expected a list of names, got " + n);
            out.add(x.asText());
        }
        if (out.isEmpty()) throw new SpaceException(field, "empty list");
        return out;
    }

    private static String text(JsonNode n, String field, String dflt) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isTextual()) throw new SpaceException(field, "expected a name, got " + v);
        return v.asText();
    }

    private static int integer(JsonNode n, String field, int dflt, int lo, int hi) {
        return integer(n, field, field, dflt, lo, hi);
    }

    private static int integer(JsonNode n, String field, String key, int dflt, int lo, int hi) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new SpaceException(field, "expected an integer, got " + v);
        if (v.asInt() < lo || v.asInt() > hi) throw new SpaceException(field, v.asInt() + " is outside " + lo + ".." + hi);
        return v.asInt();
    }

    private static long integerLong(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return 0;
        if (!v.isIntegralNumber()) throw new SpaceException(field, "expected an integer, got " + v);
        return v.asLong();
    }

    private static double number(JsonNode n, String field, double dflt, double lo, double hi) {
        return number(n, field, field, dflt, lo, hi);
    }

    private static double number(JsonNode n, String field, String key, double dflt, double lo, double hi) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw new SpaceException(field, "expected a number, got " + v);
        if (v.asDouble() < lo || v.asDouble() > hi) throw new SpaceException(field, v.asDouble() + " is outside " + lo + ".." + hi);
        return v.asDouble();
    }

    public Search search() {
        return search;
    }

    public long seed() {
        return seed;
    }

    /** Random search: draws; grid: at most this many grid points (0 = all). */
    public int candidates() {
        return candidates;
    }

    public double maxMinutes() {
        return maxMinutes;
    }

    public IntDim t() {
        return t;
    }

    public IntDim blocks() {
        return blocks;
    }

    public List<String> pooling() {
        return pooling;
    }

    public LrDim lr() {
        return lr;
    }

    public List<String> heads() {
        return heads;
    }

    /** The shared recipe; each candidate replaces the learning rate and the seed is the sweep's. */
    public TrainConfig train(double candidateLr) {
        return train.toBuilder().setLr(candidateLr).optSeed(seed).build();
    }

    public Data data() {
        return data;
    }

    public HeadShape headShape() {
        return headShape;
    }
}
