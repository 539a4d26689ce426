package org.diffrep.model.cli;

import org.diffrep.common.cli.Cli;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.UNetLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** Prints the block table (paper numbering) and parameter count of a U-Net config. */
@Command(name = "model-info", mixinStandardHelpOptions = true,
        description = "Block table (index, module, channels, spatial size, layers, parameters) and parameter count of a U-Net config.")
public final class ModelInfoCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "Registered name (${COMPLETION-CANDIDATES}) or a config.json path.",
            completionCandidates = ConfigNames.class)
    String config;

    @Option(names = "--image-size", description = "Input side in pixels (default: the config's).")
    Integer imageSize;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        AdmConfig c = AdmConfigs.resolve(config);
        if (imageSize != null) c = c.withImageSize(imageSize);
        UNetLayout layout = c.layout();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s: image %dx%d, %d blocks, %,d parameters in %d tensors%n", c.name(), c.imageSize(), c.imageSize(),
                layout.numBlocks(), layout.parameterCount(), layout.expectedStateDict().size());
        out.printf("%4s  %-16s %8s %9s %6s %12s  %s%n", "b", "module", "channels", "spatial", "skip", "params", "layers");
        for (UNetLayout.Block b : layout.blocks()) {
            int side = b.side(c.imageSize());
            out.printf("%4d  %-16s %8d %9s %6s %,12d  %s%n", b.index(), b.module(), b.outChannels(), side + "x" + side,
                    b.skipFrom() > 0 ? "b" + b.skipFrom() : "", b.parameterCount(), b.describe());
        }
        out.flush();
        return 0;
    }

    public static void main(String[] args) {
        Cli.main(new ModelInfoCommand(), args);
    }

    /** Completion candidates for --config: the registry's names. */
    static final class ConfigNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return AdmConfigs.all().keySet().iterator();
        }
    }
}
