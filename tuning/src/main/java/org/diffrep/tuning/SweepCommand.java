package org.diffrep.tuning;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.diffrep.common.cli.Checks;
import org.diffrep.common.cli.Cli;
import org.diffrep.common.provenance.Provenance;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.training.cli.GivenOptions;
import org.diffrep.training.cli.InputOptions;
import org.diffrep.training.data.ImageSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

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
                "Writes into --out: results.jsonl (one line per finished candidate, appended at once), ranking.csv, heatmap.png, provenance.json,"
                        + " cache/ (features) and runs/ (per-candidate checkpoints). Rerunning the same sweep skips finished"
                        + " candidates. The space file format is in tuning/README.md.",
                "Without --dataset and --config: the shipped Fashion-MNIST data and model (adm-fmnist)."})
public final class SweepCommand implements Callable<Integer> {

    /** Where the sweep's provenance record goes in --out (rewritten by every run of the sweep). */
    static final String PROVENANCE = "provenance.json";

    @Option(names = "--space", required = true, description = "Search space (YAML).")
    Path space;

    @Mixin
    InputOptions inputs = new InputOptions();

    @Option(names = "--out", defaultValue = "runs/sweep", description = "Sweep directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--top", defaultValue = "20", description = "Rows of the ranked table printed (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--no-progress", description = "No progress bars.")
    boolean noProgress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Provenance provenance = Provenance.start(spec);
        PrintWriter pw = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // every option, the space file and the output folder before the first backbone pass: a typo costs a second
        Checks.existingFile("--space", space);
        Checks.writableFolder("--out", out);
        Checks.atLeast("--top", top, 1);
        SearchSpace s = SearchSpace.read(space);
        SweepInputs in = inputs(s);
        AdmConfig cfg = in.config();
        ImageSource train = in.train();
        ImageSource eval = in.eval();
        String ds = inputs.dataset;
        Files.createDirectories(out);
        int deepest = s.blocks().values() != null ? s.blocks().values().stream().mapToInt(Integer::intValue).max().orElseThrow() : s.blocks().max();
        Sweep sweep = new Sweep(s, train, eval, in.resolved().extractor(deepest), out).optProgress(!noProgress)
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
        provenance.optModel(cfg.name(), in.resolved().checkpoint(), in.resolved().checkpointSha256()).optDataset(ds)
                .optSplit("train", train.describe()).optSplit("eval", eval.describe()).optSeed("noise_heads", s.seed());
        AtomicFiles.writeString(out.resolve(PROVENANCE), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(provenance.finish().toJson()));
        pw.printf("results: %s, %s, %s%n", out.resolve(Sweep.RESULTS), out.resolve(Sweep.RANKING),
                rep.ranked().isEmpty() ? "(no heatmap: nothing finished)" : out.resolve(Sweep.HEATMAP));
        pw.flush();
        return 0;
    }

    /** Model, weights and data of the sweep, resolved from the options (the embedded default where they are missing). */
    record SweepInputs(org.diffrep.training.data.Inputs resolved, AdmConfig config, ImageSource train, ImageSource eval) {}

    /**
     * The limits on the command line win over the space file's (also --limit-train 0, all images);
     * the training split is not augmented (a sweep compares cells on the same images; its draws
     * differ by noise).
     */
    private SweepInputs inputs(SearchSpace s) {
        if (!GivenOptions.given(spec, "--limit-train")) inputs.limitTrain = s.data().limitTrain();
        if (!GivenOptions.given(spec, "--limit-eval")) inputs.limitEval = s.data().limitEval();
        org.diffrep.training.data.Inputs in = inputs.resolver().optTrainTransform(org.diffrep.training.data.Inputs.TrainTransform.NONE).build();
        AdmConfig cfg = in.config();
        try {
            s.checkBlocks(cfg.layout().numBlocks(), cfg.name());
        } catch (SpaceException e) {
            throw new SpaceException(space + ": " + e.getMessage());
        }
        return new SweepInputs(in, cfg, in.trainImages(), in.evalImages());
    }

    public static void main(String[] args) {
        Cli.main(new SweepCommand(), args);
    }
}
