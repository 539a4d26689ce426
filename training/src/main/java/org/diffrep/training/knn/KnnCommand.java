package org.diffrep.training.knn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.cli.Checks;
import org.diffrep.common.cli.Cli;
import org.diffrep.common.provenance.Provenance;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.training.cache.FeatureColumn;
import org.diffrep.training.cache.FeatureExtractor;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Inputs;
import org.diffrep.training.data.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code diffrep knn}: weighted cosine kNN on frozen, pooled U-Net features for every (t, b). */
@Command(name = "knn", mixinStandardHelpOptions = true,
        description = {"Weighted cosine k-nearest-neighbour classification (DINO protocol) on frozen U-Net features:",
                "L2-normalised pooled block outputs from the feature cache, the training split as memory bank (streamed in",
                "--chunk rows), votes exp(sim/temperature) summed per class over the k nearest, top-1/top-5 on the evaluation",
                "split for every (t, b) and k. Ties (equal class scores) count against the true class.",
                "Without --dataset/--config: the shipped Fashion-MNIST data and model."})
public final class KnnCommand implements Callable<Integer> {

    @Mixin
    FeatureOptions features;

    @Mixin
    TapOptions taps = TapOptions.forKnn();

    @Option(names = "--k", split = ",", defaultValue = "10,20,100,200", description = "Neighbour counts (default ${DEFAULT-VALUE}).")
    List<Integer> ks;

    @Option(names = "--temperature", defaultValue = "0.07", description = "Vote temperature τ (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--chunk", defaultValue = "8192", description = "Memory-bank rows processed at once (default ${DEFAULT-VALUE}).")
    int chunk;

    @Option(names = "--out", description = "Result file (default runs/knn-<dataset>.json in the working folder; DIFFREP_RUNS replaces runs/).")
    Path out;

    @Option(names = "--json", description = "Print the result object as JSON instead of a table.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Provenance provenance = Provenance.start(spec);
        // every option and the output path before the first feature is extracted: a typo costs a second
        Inputs in = features.check();
        taps.check(in.config());
        for (int k : ks) Checks.atLeast("--k", k, 1);
        Checks.positive("--temperature", temperature);
        Checks.atLeast("--chunk", chunk, 1);
        Path file = out != null ? out : Workspace.runs("knn-" + in.dataset() + ".json");
        Checks.writableFile("--out", file);
        List<Integer> timesteps = taps.timesteps(in.config());
        List<Integer> bs = taps.blocks(in.config());
        Pooling pool = taps.pool();
        ImageSource train = in.trainImages();
        ImageSource eval = in.evalImages();
        FeatureExtractor ex = features.extractor(bs);
        KnnEvaluation.Settings settings = new KnnEvaluation.Settings(timesteps, bs, pool, ks, temperature, chunk);
        long widest = bs.stream().mapToLong(b -> ex.shape(b, pool).featureLength()).max().orElseThrow();
        KnnEvaluation.memoryNeed(settings, train.numClasses(), eval.size(), train.size(), widest)
                .requireFits("--limit-eval, --chunk or the features per image (a coarser --pool, other --blocks)");

        KnnEvaluation.Result result;
        Map<Tap, FeatureColumn> bank = features.cached(train, ex, timesteps, bs, pool);
        Map<Tap, FeatureColumn> queries = Map.of();
        try {
            queries = features.cached(eval, ex, timesteps, bs, pool);
            result = KnnEvaluation.evaluate(bank, queries, train.numClasses(), settings);
        } finally {
            bank.values().forEach(FeatureColumn::close);
            queries.values().forEach(FeatureColumn::close);
        }
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode provenanceJson = features.describe(provenance, train, eval, ex);
        PrintWriter pw = spec.commandLine().getOut();
        // the accuracies first: a folder that fails the write (full, gone read-only) must not cost them
        if (json) {
            pw.println(mapper.writeValueAsString(result.toJson(mapper, provenanceJson)));
        } else {
            printTable(pw, result, eval, train);
        }
        pw.flush();
        result.write(file, mapper, provenanceJson);
        if (!json) pw.println("written " + file.toAbsolutePath());
        pw.flush();
        return 0;
    }

    private static void printTable(PrintWriter pw, KnnEvaluation.Result result, ImageSource eval, ImageSource train) {
        KnnEvaluation.Settings s = result.settings();
        pw.printf("kNN on %s (bank %s), pool %s, τ=%s%n", eval.describe(), train.describe(), s.pooling(), s.temperature());
        pw.printf("%5s %5s %5s %8s %8s%n", "t", "block", "k", "top1", "top5");
        for (KnnEvaluation.Row row : result.rows()) {
            for (WeightedKnn.Accuracy a : row.knn().accuracies()) {
                pw.printf(Locale.ROOT, "%5d %5d %5s %8.4f %8.4f%n", row.tap().t(), row.tap().block(), a.k(), a.top1(), a.top5());
            }
        }
    }

    public static void main(String[] args) {
        Cli.main(new KnnCommand(), args);
    }
}
