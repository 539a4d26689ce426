package org.diffrep.tuning;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxTimeCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.TerminationCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener;
import org.diffrep.common.UserInputException;
import org.diffrep.model.features.Pooling;
import org.diffrep.training.cache.CachedSplit;
import org.diffrep.training.cache.FeatureCache;
import org.diffrep.training.cache.FeatureExtractor;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.diffrep.training.train.EpochMetrics;
import org.diffrep.training.train.TrainConfig;
import org.diffrep.training.train.Trainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Runs a sweep on Arbiter's {@link LocalOptimizationRunner}, one task at a time. Candidates are
 * grouped by t; for each t, one backbone pass over the training and evaluation images fills the
 * feature cache for every block the pending candidates of that t use (the U-Net stops at the
 * deepest one); then each candidate trains its head from the cache and its result is appended to
 * {@code results.jsonl}. Candidates already in that file are skipped, and a t whose candidates are
 * all finished costs nothing. At the end {@code ranking.csv} and {@code heatmap.png} are written.
 * A failed candidate is reported and left out; a rerun retries it.
 */
public final class Sweep {

    public static final String RESULTS = "results.jsonl";
    public static final String RANKING = "ranking.csv";
    public static final String HEATMAP = "heatmap.png";

    /** Progress callbacks, from the runner's task thread, one task at a time. */
    public interface Listener {
        default void extracted(int t, List<Integer> blocks, double seconds) {}

        default void finished(SweepResult result, int done, int total) {}

        default void failed(SweepCandidate candidate, Exception error) {}
    }

    /**
     * What this invocation did and cost.
     *
     * @param ranked          every finished candidate of the sweep (this run and earlier ones), best first
     * @param candidates      candidates in the sweep
     * @param skipped         finished by an earlier run
     * @param trained         trained by this run
     * @param failures        candidates whose task failed in this run ("id: error"); a rerun retries them
     * @param passes          backbone passes over the data (one per t with pending candidates)
     * @param forwardImages   noised images the backbone processed in this run
     * @param imagesPerPass   images (training draws + evaluation) one pass over the data processes
     * @param backboneSeconds time inside the backbone
     * @param fillSeconds     time filling the cache (backbone, image loading, pooling, writing)
     * @param trainSeconds    time training and evaluating heads
     * @param wallSeconds     the whole invocation
     * @param timedOut        stopped by max_minutes before every candidate ran
     */
    public record Report(List<SweepResult> ranked, int candidates, int skipped, int trained, List<String> failures, int passes, long forwardImages,
                         long imagesPerPass, double backboneSeconds, double fillSeconds, double trainSeconds, double wallSeconds,
                         boolean timedOut) {

        /** Seconds the same candidates would cost with one backbone pass each (passes at this run's mean cost). */
        public double naiveSeconds() {
            return passes == 0 ? trainSeconds : trained * (fillSeconds / passes) + trainSeconds;
        }

        public long naiveForwardImages() {
            return trained * imagesPerPass;
        }
    }

    private final SearchSpace space;
    private final ImageSource train;
    private final ImageSource eval;
    private final CountingExtractor backbone;
    private final Path out;
    private boolean progress = true;
    private Listener listener = new Listener() { };

    public Sweep(SearchSpace space, ImageSource train, ImageSource eval, FeatureExtractor backbone, Path out) {
        if (train.numClasses() != eval.numClasses()) throw new UserInputException("train and eval splits disagree on the classes");
        this.space = space;
        this.train = train;
        this.eval = eval;
        this.backbone = new CountingExtractor(backbone);
        this.out = out;
    }

    public Sweep optProgress(boolean show) {
        this.progress = show;
        return this;
    }

    public Sweep optListener(Listener l) {
        this.listener = l;
        return this;
    }

    public Report run() throws IOException {
        long begin = System.nanoTime();
        List<SweepCandidate> all = Candidates.generate(space);
        Map<Integer, Pooling> stored = storedPooling(all);
        try (ResultsLog log = ResultsLog.open(out.resolve(RESULTS), fingerprint())) {
            List<SweepCandidate> pending = all.stream().filter(c -> !log.finished().containsKey(c.id())).toList();
            Tasks tasks = new Tasks(log, stored, pending, all.size());
            if (!pending.isEmpty()) {
                List<TerminationCondition> stop = new ArrayList<>();
                // exactly the number of tasks: a larger count keeps execute() waiting forever (docs/method.md §5)
                stop.add(new MaxCandidatesCondition(pending.size()));
                if (space.maxMinutes() > 0) stop.add(new MaxTimeCondition(Math.round(space.maxMinutes() * 60_000), TimeUnit.MILLISECONDS));
                OptimizationConfiguration conf = new OptimizationConfiguration.Builder()
                        .candidateGenerator(new OrderedCandidates(new SweepParameterSpace(space), pending))
                        .scoreFunction(new Top1Score()).terminationConditions(stop).build();
                new LocalOptimizationRunner(1, conf, tasks).execute();
            }
            List<SweepResult> ranked = Ranking.rank(all.stream().map(c -> log.finished().get(c.id())).filter(Objects::nonNull).toList());
            Ranking.writeCsv(out.resolve(RANKING), ranked);
            if (!ranked.isEmpty()) Ranking.writeHeatmap(out.resolve(HEATMAP), ranked);
            long perPass = (long) train.size() * space.data().draws() + eval.size();
            int unfinished = all.size() - ranked.size() - tasks.failures.size();
            return new Report(ranked, all.size(), all.size() - pending.size(), tasks.trained, List.copyOf(tasks.failures), tasks.passes,
                    backbone.images(), perPass, backbone.seconds(), tasks.fillSeconds, tasks.trainSeconds, elapsed(begin), unfinished > 0);
        }
    }

    /**
     * Arbiter's task per candidate: on the first candidate of a t, the one backbone pass for all
     * blocks the pending candidates of that t use; then the head, appended to results.jsonl. The
     * runner runs one task at a time, in the order of {@link OrderedCandidates}.
     */
    private final class Tasks implements TaskCreator {
        private final ResultsLog log;
        private final Map<Integer, Pooling> stored;
        private final Map<Integer, List<Integer>> blocksOfT = new LinkedHashMap<>();
        private final Set<Integer> filled = new HashSet<>();
        private final FeatureCache cache = new FeatureCache(out.resolve("cache")).optProgress(progress);
        private final int total;
        private final List<String> failures = new ArrayList<>();
        private int trained;
        private int passes;
        private double fillSeconds;
        private double trainSeconds;

        Tasks(ResultsLog log, Map<Integer, Pooling> stored, List<SweepCandidate> pending, int total) {
            this.log = log;
            this.stored = stored;
            this.total = total;
            for (SweepCandidate c : pending) {
                List<Integer> blocks = blocksOfT.computeIfAbsent(c.t(), k -> new ArrayList<>());
                if (!blocks.contains(c.block())) blocks.add(c.block());
            }
            blocksOfT.values().forEach(b -> b.sort(Integer::compare));
        }

        @Override
        public Callable<OptimizationResult> create(Candidate candidate, DataProvider data, ScoreFunction score, List<StatusListener> listeners,
                                                   IOptimizationRunner runner) {
            return () -> {
                long start = System.currentTimeMillis();
                SweepCandidate c = (SweepCandidate) candidate.getValue();
                try {
                    fillOnce(c.t());
                    long c0 = System.nanoTime();
                    SweepResult r = trainOne(cache, c, stored);
                    log.append(r, config(c, stored));
                    trainSeconds += elapsed(c0);
                    trained++;
                    listener.finished(r, log.finished().size(), total);
                    double s = score.score(r, data, null);
                    return new OptimizationResult(candidate, s, candidate.getIndex(), r, info(candidate, CandidateStatus.Complete, s, start, null), null);
                } catch (Exception e) {
                    failures.add(c.id() + ": " + e);
                    listener.failed(c, e);
                    return new OptimizationResult(candidate, null, candidate.getIndex(), null,
                            info(candidate, CandidateStatus.Failed, null, start, e.toString()), null);
                }
            };
        }

        @Override
        public Callable<OptimizationResult> create(Candidate candidate, Class<? extends DataSource> dataSource, Properties properties,
                                                   ScoreFunction score, List<StatusListener> listeners, IOptimizationRunner runner) {
            return create(candidate, (DataProvider) null, score, listeners, runner);
        }

        private void fillOnce(int t) {
            if (!filled.add(t)) return;
            List<Integer> blocks = blocksOfT.get(t);
            long t0 = System.nanoTime();
            long before = backbone.images();
            cache.ensure(request(train, t, blocks, stored, space.data().draws()), backbone).close();
            cache.ensure(request(eval, t, blocks, stored, 1), backbone).close();
            if (backbone.images() > before) {
                passes++;
                fillSeconds += elapsed(t0);
                listener.extracted(t, blocks, elapsed(t0));
            }
        }

        private CandidateInfo info(Candidate c, CandidateStatus status, Double score, long start, String error) {
            return new CandidateInfo(c.getIndex(), status, score, start, start, System.currentTimeMillis(), c.getFlatParameters(), error);
        }
    }

    private SweepResult trainOne(FeatureCache cache, SweepCandidate c, Map<Integer, Pooling> stored) throws IOException {
        HeadConfig head = headConfig(c);
        TrainConfig tc = space.train(c.lr());
        long start = System.nanoTime();
        try (CachedSplit tr = cache.ensure(request(train, c.t(), List.of(c.block()), stored, space.data().draws()), backbone);
             CachedSplit ev = cache.ensure(request(eval, c.t(), List.of(c.block()), stored, 1), backbone)) {
            ClassifierGraph graph = ClassifierGraph.onFeatures(head, ev.shapes(), space.seed());
            ObjectNode run = ResultsLog.JSON.createObjectNode();
            run.put("sweep", fingerprint());
            run.put("candidate", c.id());
            List<EpochMetrics> history = new Trainer(graph, tr, ev, tc, out.resolve("runs").resolve(c.id()), run).optProgress(false).optEpochLog(false).run(true);
            EpochMetrics last = history.get(history.size() - 1);
            return new SweepResult(c, 100 * last.evalTop1(), 100 * last.evalTop5(), last.evalLoss(), last.trainLoss(), last.epoch(),
                    elapsed(start));
        }
    }

    HeadConfig headConfig(SweepCandidate c) {
        SearchSpace.HeadShape s = space.headShape();
        int k = train.numClasses();
        List<Integer> t = List.of(c.t());
        List<Integer> b = List.of(c.block());
        return switch (HeadKind.parse(c.head())) {
            case LINEAR -> HeadConfig.defaults(HeadKind.LINEAR, t, b, k).withPooling(c.pool());
            case MLP -> HeadConfig.defaults(HeadKind.MLP, t, b, k).withPooling(c.pool()).withHidden(s.hidden());
            case ATTENTION -> HeadConfig.defaults(HeadKind.ATTENTION, t, b, k).withTransformer(s.dim(), s.attnHeads(), s.mlpRatio(), s.depth())
                    .withPoolCap(s.poolCap());
            default -> throw new IllegalArgumentException("head " + c.head() + " cannot be swept");
        };
    }

    private Map<Integer, Pooling> storedPooling(List<SweepCandidate> all) {
        Map<Integer, List<Pooling>> needs = new LinkedHashMap<>();
        for (SweepCandidate c : all) {
            needs.computeIfAbsent(c.block(), k -> new ArrayList<>()).add(StoredPooling.need(c, backbone.side(c.block()), space.headShape().poolCap()));
        }
        Map<Integer, Pooling> stored = new LinkedHashMap<>();
        needs.forEach((b, n) -> stored.put(b, StoredPooling.choose(n, backbone.side(b))));
        return stored;
    }

    private FeatureCache.Request request(ImageSource src, int t, List<Integer> blocks, Map<Integer, Pooling> stored, int draws) {
        return new FeatureCache.Request(src, List.of(t), blocks, stored::get, space.seed(), draws, space.data().extractBatch());
    }

    private ObjectNode config(SweepCandidate c, Map<Integer, Pooling> stored) {
        ObjectNode n = ResultsLog.JSON.createObjectNode();
        n.set("head", ResultsLog.JSON.valueToTree(headConfig(c)));
        n.set("train", ResultsLog.JSON.valueToTree(space.train(c.lr())));
        n.put("model", backbone.model());
        n.put("checkpoint", backbone.checkpoint());
        n.put("train_data", train.describe());
        n.put("eval_data", eval.describe());
        n.put("cached_pooling", stored.get(c.block()).toString());
        n.put("draws", space.data().draws());
        return n;
    }

    /** SHA-256 of what every candidate of the sweep shares; results written under another fingerprint are not reused. */
    String fingerprint() {
        String canonical = String.join("\n", "model=" + backbone.model(), "checkpoint=" + backbone.checkpoint(), "train=" + train.describe(),
                "eval=" + eval.describe(), "recipe=" + space.train(1.0), "draws=" + space.data().draws(), "heads=" + space.headShape(), "seed=" + space.seed());
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double elapsed(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
