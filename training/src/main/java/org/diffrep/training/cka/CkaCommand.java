package org.diffrep.training.cka;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.diffrep.common.UserInputException;
import org.diffrep.common.cli.Checks;
import org.diffrep.common.cli.Cli;
import org.diffrep.common.provenance.Provenance;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.features.Tap;
import org.diffrep.training.cache.FeatureColumn;
import org.diffrep.training.cache.FeatureExtractor;
import org.diffrep.training.cli.GivenOptions;
import org.diffrep.training.data.ImageSource;
import org.diffrep.training.data.Inputs;
import org.diffrep.training.data.Workspace;
import org.diffrep.training.knn.FeatureOptions;
import org.diffrep.training.knn.TapOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

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

    @Mixin
    TapOptions taps = TapOptions.forCka();

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
        // every option, file and the output folder before the first feature is extracted: a typo costs a second
        String est = estimator.toLowerCase(Locale.ROOT);
        if (!CkaAnalysis.ESTIMATORS.contains(est)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--estimator must be biased, unbiased or minibatch");
        }
        if (!est.equals("minibatch")) GivenOptions.refuse(spec, List.of("--batch"), "--estimator minibatch", est + " uses every sample at once");
        if (samples != null) {
            if (GivenOptions.given(spec, "--limit-eval")) {
                throw new UserInputException("--samples and --limit-eval both say how many evaluation images cka uses: give one");
            }
            Checks.atLeast("--samples", samples, 1);
            features.inputs.limitEval = samples;
        }
        Inputs in = features.check();
        taps.check(in.config());
        Checks.atLeast("--batch", batch, 4);
        Checks.atLeast("--block-mb", blockMb, 1);
        Path dir = out != null ? out : Workspace.runs("cka-" + in.dataset());
        Checks.writableFolder("--out", dir);
        List<Integer> timesteps = taps.timesteps(in.config());
        List<Integer> bs = taps.blocks(in.config());
        Pooling pool = taps.pool();
        ImageSource eval = in.evalImages();
        int widestNpy = CkaAnalysis.checkNpy(npy, eval.size());
        FeatureExtractor ex = features.extractor(bs);
        CkaAnalysis.Settings settings = new CkaAnalysis.Settings(timesteps, bs, pool, est, batch, npy, blockMb);
        long widest = Math.max(widestNpy, bs.stream().mapToLong(b -> ex.shape(b, pool).featureLength()).max().orElseThrow());
        CkaAnalysis.memoryNeed(settings, timesteps.size() * bs.size() + npy.size(), eval.size(), widest)
                .requireFits("--samples, the number of --t x --blocks, or use --estimator minibatch with a smaller --batch");
        Map<Tap, FeatureColumn> files = features.cached(eval, ex, timesteps, bs, pool);
        CkaAnalysis.Result result;
        try {
            result = CkaAnalysis.compute(files, eval.size(), settings);
        } finally {
            files.values().forEach(FeatureColumn::close);
        }
        result.write(dir, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT), features.describe(provenance, null, eval, ex));
        PrintWriter pw = spec.commandLine().getOut();
        pw.printf(Locale.ROOT, "linear CKA (%s) of %d representations on %s in %.1f s; wrote %s/%s, %s, %s%n", est,
                result.labels().size(), eval.describe(), result.seconds(), dir.toAbsolutePath(),
                CkaAnalysis.CSV, CkaAnalysis.PNG, CkaAnalysis.JSON);
        pw.flush();
        return 0;
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
