package org.diffrep.tuning;

import org.diffrep.training.cache.LazyBackbone;

import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.datasets.LoaderOptions;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.data.DatasetImages;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.SyntheticImages;
import org.diffrep.training.pretrain.FashionMnistImages;
import org.diffrep.training.pretrain.ShippedFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code diffrep sweep}: a resumable Arbiter search over (t, block, pooling, lr, head) with one backbone pass per t. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Searches noise step t, block, pooling, learning rate and head (grid or random, Arbiter generators) on frozen"
                + " U-Net features. Candidates are grouped by t: one backbone pass per t fills the feature cache for every block"
                + " of that t, then each candidate trains its head from the cache.",
                "Writes into --out: results.jsonl (one line per finished candidate, appended at once), ranking.csv, heatmap.png,"
                        + " cache/ (features) and runs/ (per-candidate checkpoints). Rerunning the same sweep skips finished"
                        + " candidates. The space file format is in tuning/README.md.",
                "Without --dataset and --config: the shipped Fashion-MNIST data and model (adm-fmnist)."})
public final class SweepCommand implements Callable<Integer> {

    static final String FASHION_MNIST = "fashion-mnist";
    static final String FMNIST_CONFIG = "adm-fmnist";

    @Option(names = "--space", required = true, description = "Search space (YAML).")
    Path space;

    @Option(names = "--dataset", description = "Dataset name (" + FASHION_MNIST + ", imagenet, cub, ...) or 'synthetic' (generated 4-class"
            + " squares, 3-channel configs) (default: the shipped Fashion-MNIST).")
    String dataset;

    @Option(names = "--root", description = "Dataset root in its official layout (default for fashion-mnist: the shipped copy).")
    Path root;

    @Option(names = "--config", description = "U-Net config name or config.json (default: " + FMNIST_CONFIG + " for fashion-mnist, else adm-256-uncond).")
    String config;

    @Option(names = "--checkpoint", description = "U-Net weights (.pt or .npz) (default for " + FMNIST_CONFIG + ": the shipped model).")
    Path checkpoint;

    @Option(names = "--out", defaultValue = "runs/sweep", description = "Sweep directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--limit-train", description = "Use only the first N training images (overrides data.limit_train).")
    Integer limitTrain;

    @Option(names = "--limit-eval", description = "Use only the first N evaluation images (overrides data.limit_eval).")
    Integer limitEval;

    @Option(names = "--threads", defaultValue = "2", description = "Image decode threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--top", defaultValue = "20", description = "Rows of the ranked table printed (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--no-progress", description = "No progress bars.")
    boolean noProgress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SearchSpace s;
        Inputs in;
        try {
            s = SearchSpace.read(space);
            in = inputs(s);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 2;
        }
        AdmConfig cfg = in.config();
        ImageSource train = in.train();
        ImageSource eval = in.eval();
        String ds = dataset != null ? dataset : FASHION_MNIST;
        Files.createDirectories(out);
        int deepest = s.blocks().values() != null ? s.blocks().values().stream().mapToInt(Integer::intValue).max().orElseThrow() : s.blocks().max();
        Sweep sweep = new Sweep(s, train, eval, new LazyBackbone(cfg, in.weights(), deepest), out).optProgress(!noProgress)
                .optListener(new Sweep.Listener() {
                    @Override
                    public void extracted(int t, List<Integer> blocks, double seconds) {
                        pw.printf(Locale.ROOT, "t=%d: one backbone pass over %d+%d images for blocks %s in %.1f s%n", t, train.size() * s.data().draws(), eval.size(),
                                blocks, seconds);
                        pw.flush();
                    }

                    @Override
                    public void finished(SweepResult r, int done, int total) {
                        pw.printf(Locale.ROOT, "[%d/%d] %s: top-1 %.2f%% (%.1f s)%n", done, total, r.candidate().id(), r.score(), r.seconds());
                        pw.flush();
                    }

                    @Override
                    public void failed(SweepCandidate c, Exception e) {
                        err.printf(Locale.ROOT, "%s failed: %s%n", c.id(), e);
                        err.flush();
                    }
                });
        pw.printf(Locale.ROOT, "sweep of %s on %s: train %s, eval %s -> %s%n", cfg.name(), ds, train.describe(), eval.describe(), out.toAbsolutePath());
        pw.flush();
        Sweep.Report rep = sweep.run();
        pw.println();
        pw.print(Ranking.table(rep.ranked(), top));
        pw.printf(Locale.ROOT, "%n%d candidates: %d finished earlier, %d trained now%s.%n", rep.candidates(), rep.skipped(), rep.trained(),
                rep.timedOut() ? ", stopped by max_minutes (rerun to continue)" : "");
        if (!rep.failures().isEmpty()) {
            pw.printf(Locale.ROOT, "%d candidate(s) failed (a rerun retries them):%n", rep.failures().size());
            rep.failures().forEach(f -> pw.println("  " + f));
        }
        pw.printf(Locale.ROOT, "cost: %d backbone pass(es), %,d noised images through the U-Net (%.1f s in the backbone, %.1f s filling the cache)"
                        + "; heads %.1f s; total %.1f s.%n", rep.passes(), rep.forwardImages(), rep.backboneSeconds(), rep.fillSeconds(),
                rep.trainSeconds(), rep.wallSeconds());
        if (rep.passes() > 0) {
            pw.printf(Locale.ROOT, "one pass per candidate instead: %,d images, about %.1f s (%d candidates x %.1f s per pass + heads), %.1fx this run.%n",
                    rep.naiveForwardImages(), rep.naiveSeconds(), rep.trained(), rep.fillSeconds() / rep.passes(),
                    rep.naiveSeconds() / Math.max(1e-9, rep.fillSeconds() + rep.trainSeconds()));
        }
        pw.printf("results: %s, %s, %s%n", out.resolve(Sweep.RESULTS), out.resolve(Sweep.RANKING),
                rep.ranked().isEmpty() ? "(no heatmap: nothing finished)" : out.resolve(Sweep.HEATMAP));
        pw.flush();
        return 0;
    }

    /** Model, weights and data of the sweep, resolved from the options (the embedded default where they are missing). */
    record Inputs(AdmConfig config, Path weights, ImageSource train, ImageSource eval) {}

    private Inputs inputs(SearchSpace s) {
        String ds = dataset != null ? dataset : FASHION_MNIST;
        AdmConfig cfg = AdmConfigs.resolve(config != null ? config : ds.equals(FASHION_MNIST) ? FMNIST_CONFIG : "adm-256-uncond");
        try {
            s.checkBlocks(cfg.layout().numBlocks(), cfg.name());
        } catch (SpaceException e) {
            throw new SpaceException(space + ": " + e.getMessage());
        }
        Path weights = checkpoint != null ? checkpoint : shipped(ShippedFiles.MODEL, "--checkpoint", cfg.name().equals(FMNIST_CONFIG), "config " + cfg.name());
        int nTrain = limitTrain != null ? limitTrain : s.data().limitTrain();
        int nEval = limitEval != null ? limitEval : s.data().limitEval();
        if (ds.equals("synthetic")) {
            if (cfg.inChannels() != 3) throw new IllegalArgumentException("the synthetic dataset is RGB; " + cfg.name() + " takes " + cfg.inChannels() + " channel(s)");
            return new Inputs(cfg, weights, new SyntheticImages(cfg.imageSize(), nTrain > 0 ? nTrain : 64, 4, 1),
                    new SyntheticImages(cfg.imageSize(), nEval > 0 ? nEval : 32, 4, 2));
        }
        Path r = root != null ? root : shipped(ShippedFiles.DATA, "--root", ds.equals(FASHION_MNIST), "dataset " + ds);
        ImageDataset d = DatasetRegistry.open(ds, r);
        return new Inputs(cfg, weights, images(d, d.trainSplit(), cfg, nTrain, true), images(d, d.evalSplit(), cfg, nEval, false));
    }

    private ImageSource images(ImageDataset d, String split, AdmConfig cfg, int limit, boolean train) {
        if (d.name().equals(FASHION_MNIST) && cfg.inChannels() == 1) {
            FashionMnistImages all = FashionMnistImages.of(d, split, false);
            if (limit <= 0 || limit >= all.size()) return all;
            int[] first = new int[limit];
            for (int i = 0; i < limit; i++) first[i] = i;
            return all.subset(first);
        }
        LoaderOptions o = (train ? LoaderOptions.training(cfg.imageSize(), 0) : LoaderOptions.evaluation(cfg.imageSize()))
                .withChannels(cfg.inChannels()).withThreads(threads);
        return new DatasetImages(d, split, o, limit);
    }

    /** A file shipped with the repository (the embedded default), or a clear error naming the option to pass instead. */
    private static Path shipped(String relative, String option, boolean applies, String what) {
        if (!applies) throw new IllegalArgumentException(option + " is required for " + what);
        try {
            return ShippedFiles.find(relative);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the embedded default needs " + relative + ", which is not in this checkout (" + e.getMessage()
                    + "); pass " + option + " explicitly", e);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SweepCommand()).execute(args));
    }
}
