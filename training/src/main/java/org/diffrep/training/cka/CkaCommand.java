package org.diffrep.training.cka;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.UserInputException;
import org.diffrep.common.cli.Cli;
import org.diffrep.common.provenance.Provenance;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.training.cache.FeatureColumn;
import org.diffrep.training.cache.FeatureExtractor;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Inputs;
import org.diffrep.training.data.Workspace;
import org.diffrep.training.knn.FeatureOptions;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/** {@code diffrep cka}: linear CKA between every pair of (t, b) representations, and against .npy features. */
@Command(name = "cka", mixinStandardHelpOptions = true, modelTransformer = CkaCommand.EvaluationSplitOnly.class,
        description = {"Linear CKA between the frozen U-Net's block outputs at every (t, b) (and features saved as .npy [N, ...] by",
                "any other network, rows in the order of the evaluation split) on the first --samples images of the evaluation split.",
                "Estimators: biased (default; the standard full-batch linear CKA, Kornblith et al. 2019), unbiased (Song et al.'s",
                "unbiased HSIC on the full Gram matrices) or minibatch (Nguyen et al. 2021: unbiased HSIC averaged over minibatches",
                "of --batch samples; memory independent of the sample count). Gram matrices are built from streamed row blocks,",
                "so large feature maps (--pool none) only cost time. Writes cka.csv, cka.png and cka.json to --out.",
                "Without --dataset/--config: the shipped Fashion-MNIST data and model."})
public final class CkaCommand implements Callable<Integer> {

    @Mixin
    FeatureOptions features;

    @Option(names = "--t", split = ",", description = "Noise steps (default: the model's; adm-256-uncond 90; adm-fmnist 10).")
    List<Integer> timesteps;

    @Option(names = "--blocks", split = ",", description = "U-Net blocks (default: every block of the config).")
    List<Integer> blocks;

    @Option(names = "--pool", defaultValue = "avg:8",
            description = "Pooling of each map before flattening: avg:K, max:K, global or none (full maps) (default ${DEFAULT-VALUE}).")
    String pool;

    @Option(names = "--samples", description = "Use the first N images of the evaluation split (default: all; the paper: IN-50's 2,500).")
    Integer samples;

    @Option(names = "--estimator", defaultValue = "biased", description = "biased, unbiased or minibatch (default ${DEFAULT-VALUE}).")
    String estimator;

    @Option(names = "--batch", defaultValue = "256", description = "Minibatch size for --estimator minibatch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--npy", description = "Features of the same images from elsewhere, .npy [N, ...] float; repeatable.")
    List<Path> npy = new ArrayList<>();

    @Option(names = "--block-mb", defaultValue = "512", description = "Memory for the two feature blocks of a Gram product (default ${DEFAULT-VALUE} MB).")
    long blockMb;

    @Option(names = "--out", description = "Output directory (default runs/cka-<dataset> in the working folder; DIFFREP_RUNS replaces runs/).")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Provenance provenance = Provenance.start(spec);
        String est = estimator.toLowerCase(Locale.ROOT);
        if (!List.of("biased", "unbiased", "minibatch").contains(est)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--estimator must be biased, unbiased or minibatch");
        }
        if (samples != null) features.inputs.limitEval = samples;
        Inputs in = features.resolve();
        List<Integer> timesteps = this.timesteps != null ? this.timesteps : in.config().featureDefaults().analysis().timesteps();
        List<Integer> bs = blocks != null ? blocks
                : IntStream.rangeClosed(1, in.config().layout().numBlocks()).boxed().toList();
        Pooling pooling = Pooling.parse(pool);
        ImageSource eval = in.evalImages();
        FeatureExtractor ex = features.extractor(bs);
        Map<Tap, FeatureColumn> files = features.cached(eval, ex, timesteps, bs, pooling);
        List<NpyFile> external = new ArrayList<>();
        long t0 = System.nanoTime();
        double[][] cka;
        List<String> labels = new ArrayList<>();
        try {
            int n = eval.size();
            List<LinearCka.Rows> reps = new ArrayList<>();
            files.forEach((tap, f) -> reps.add(new CacheRows(tap.t() + ":" + tap.block(), f)));
            for (Path p : npy) {
                NpyFile f = NpyFile.open(p, null);
                external.add(f);
                if (f.count() < n) throw new UserInputException(p + " has " + f.count() + " rows, the evaluation split " + n);
                reps.add(f.count() == n ? f : new FirstRows(f, n));
            }
            reps.forEach(r -> labels.add(r.label()));
            long budget = blockMb * (1L << 20) / 4;
            cka = switch (est) {
                case "minibatch" -> LinearCka.minibatch(reps, batch);
                case "unbiased" -> LinearCka.matrix(LinearCka.grams(reps, budget), n, LinearCka.Estimator.UNBIASED);
                default -> LinearCka.matrix(LinearCka.grams(reps, budget), n, LinearCka.Estimator.BIASED);
            };
        } finally {
            files.values().forEach(FeatureColumn::close);
            for (NpyFile f : external) f.close();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Path dir = out != null ? out : Workspace.runs("cka-" + in.dataset());
        Files.createDirectories(dir);
        writeCsv(dir.resolve("cka.csv"), labels, cka);
        writeHeatmap(dir.resolve("cka.png"), labels, cka, "linear CKA (" + est + "), " + eval.size() + " images, pool " + pooling);
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode json = mapper.createObjectNode();
        ObjectNode cfg = json.putObject("config");
        cfg.set("t", mapper.valueToTree(timesteps));
        cfg.set("blocks", mapper.valueToTree(bs));
        cfg.put("pool", pooling.toString());
        cfg.put("estimator", est);
        if (est.equals("minibatch")) cfg.put("batch", batch);
        cfg.put("samples", eval.size());
        cfg.set("npy", mapper.valueToTree(npy.stream().map(p -> p.toAbsolutePath().toString()).toList()));
        json.set("provenance", features.describe(provenance, null, eval, ex));
        json.set("labels", mapper.valueToTree(labels));
        json.set("cka", mapper.valueToTree(cka));
        json.put("seconds", seconds);
        AtomicFiles.writeString(dir.resolve("cka.json"), mapper.writeValueAsString(json));
        PrintWriter pw = spec.commandLine().getOut();
        pw.printf(Locale.ROOT, "linear CKA (%s) of %d representations on %s in %.1f s; wrote %s/cka.csv, cka.png, cka.json%n", est,
                labels.size(), eval.describe(), seconds, dir.toAbsolutePath());
        pw.flush();
        return 0;
    }

    static void writeCsv(Path file, List<String> labels, double[][] m) throws IOException {
        StringBuilder sb = new StringBuilder("t:b");
        for (String l : labels) sb.append(',').append(l);
        sb.append('\n');
        for (int i = 0; i < m.length; i++) {
            sb.append(labels.get(i));
            for (double v : m[i]) sb.append(',').append(String.format(Locale.ROOT, "%.6f", v));
            sb.append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }

    static void writeHeatmap(Path file, List<String> labels, double[][] m, String title) throws IOException {
        List<Number[]> heat = new ArrayList<>();
        for (int x = 0; x < m.length; x++) for (int y = 0; y < m.length; y++) heat.add(new Number[]{x, y, m[y][x]});
        System.setProperty("java.awt.headless", "true");
        int side = Math.max(480, 36 * labels.size() + 220);
        HeatMapChart chart = new HeatMapChartBuilder().width(side + 120).height(side).title(title).build();
        chart.getStyler().setShowValue(labels.size() <= 16);
        chart.getStyler().setHeatMapValueDecimalPattern("0.00");
        chart.getStyler().setMin(Math.min(0, min(m)));
        chart.getStyler().setMax(1);
        chart.getStyler().setPlotContentSize(1.0);
        chart.addSeries("CKA", labels, labels, heat);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static double min(double[][] m) {
        double v = Double.POSITIVE_INFINITY;
        for (double[] row : m) for (double x : row) v = Math.min(v, x);
        return v;
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

    /** CKA compares representations of the evaluation split only: the shared options of the training split do not apply. */
    static final class EvaluationSplitOnly implements CommandLine.IModelTransformer {
        @Override
        public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
            for (String name : List.of("--train-split", "--limit-train")) remove(spec, name);
            return spec;
        }

        /** From the command and from the mixins that brought the option (picocli keeps both lists). */
        private static void remove(CommandLine.Model.CommandSpec spec, String name) {
            CommandLine.Model.OptionSpec option = spec.findOption(name);
            if (option != null) spec.remove(option);
            spec.mixins().values().forEach(m -> remove(m, name));
        }
    }

    public static void main(String[] args) {
        Cli.main(new CkaCommand(), args);
    }
}
