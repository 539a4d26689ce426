package org.diffrep.training.pretrain;

import me.tongfei.progressbar.ProgressBar;
import org.diffrep.common.cli.Cli;
import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.data.ShippedFiles;
import org.diffrep.training.train.ProgressBars;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code diffrep sample}: images from a pretrained ε-prediction model as a PNG grid. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Samples images from a DDPM-trained ADM U-Net (DDPM over all 1000 steps, or DDIM) and writes them as a PNG grid.")
public final class SampleCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"--checkpoint", "--model"}, description = "weights (.npz/.pt) (default: the shipped " + ShippedFiles.MODEL + ")")
    Path model;
    @Option(names = "--config", defaultValue = "adm-fmnist", description = "ADM config (default: ${DEFAULT-VALUE})")
    String config;
    @Option(names = "--out", defaultValue = "samples.png", description = "PNG file (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "-n", defaultValue = "64", description = "images (default: ${DEFAULT-VALUE})")
    int n;
    @Option(names = "--columns", defaultValue = "8", description = "grid columns (default: ${DEFAULT-VALUE})")
    int columns;
    @Option(names = "--method", defaultValue = "ddim", description = "ddpm or ddim (default: ${DEFAULT-VALUE})")
    String method;
    @Option(names = "--steps", defaultValue = "50", description = "DDIM steps (default: ${DEFAULT-VALUE}); DDPM always uses all")
    int steps;
    @Option(names = "--eta", defaultValue = "0", description = "DDIM eta (default: ${DEFAULT-VALUE})")
    double eta;
    @Option(names = "--seed", defaultValue = "0", description = "(default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--scale", defaultValue = "3", description = "pixels per image pixel in the PNG (default: ${DEFAULT-VALUE})")
    int scale;
    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        Path weights = model != null ? model : ShippedFiles.find(ShippedFiles.MODEL);
        AdmConfig cfg = AdmConfigs.resolve(config);
        AdmUNet net = AdmUNet.builder(cfg).setWeights(Checkpoints.read(weights)).build();
        Sampler.Method m = Sampler.Method.valueOf(method.toUpperCase(Locale.ROOT));
        int total = m == Sampler.Method.DDPM ? 1000 : steps;
        long start = System.nanoTime();
        try (ProgressBar bar = noProgress ? null : ProgressBars.builder("sample " + m.name().toLowerCase(Locale.ROOT), total)
                .setUpdateIntervalMillis(500).build()) {
            var images = new Sampler(net, DiffusionSchedule.linear1000()).sample(n, m, steps, eta, seed, bar != null ? bar::stepTo : done -> { });
            ImageGrid.write(images, columns, scale, out);
        }
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "%d images (%s, %d steps, seed %d) in %.1f s -> %s%n", n, m, total, seed,
                (System.nanoTime() - start) / 1e9, out.toAbsolutePath());
        err.flush();
        return 0;
    }

    public static void main(String[] args) {
        Cli.main(new SampleCommand(), args);
    }
}
