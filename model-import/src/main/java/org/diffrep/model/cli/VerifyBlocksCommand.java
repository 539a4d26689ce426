package org.diffrep.model.cli;

import org.diffrep.common.cli.Cli;
import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.model.verify.BlockVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Runs a golden-output fixture through the SameDiff U-Net and reports the error of every block. */
@Command(name = "verify-blocks", mixinStandardHelpOptions = true,
        description = {"Checks the U-Net against golden outputs of guided-diffusion: q_sample, every block of every",
                "blocks_t*.npz (whole or top-left crops), batch2.npz and pooled.npz. Exits 1 if any tensor is out of tolerance."})
public final class VerifyBlocksCommand implements Callable<Integer> {

    @Option(names = "--fixture", required = true, paramLabel = "DIR", description = "Fixture folder (inputs.npz, blocks_t*.npz, ...).")
    Path fixture;

    @Option(names = "--config", paramLabel = "NAME|config.json", description = "U-Net config (default: DIR/config.json).")
    String config;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "Weights, .pt or .npz (default: DIR/model.pt).")
    Path checkpoint;

    @Option(names = "--tolerance", description = "Max |java - ref| / max|ref| per tensor (default: ${DEFAULT-VALUE}, the fixture README's).")
    double tolerance = BlockVerifier.DEFAULT_TOLERANCE;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AdmConfig c = AdmConfigs.resolve(config != null ? config : fixture.resolve("config.json").toString());
        Path weights = checkpoint != null ? checkpoint : fixture.resolve("model.pt");
        if (!Files.isRegularFile(weights)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no checkpoint: " + weights + " does not exist (use --checkpoint)");
        }
        AdmUNet net = AdmUNet.builder(c).setWeights(Checkpoints.read(weights)).build();
        List<BlockVerifier.Comparison> results = new BlockVerifier(net, DiffusionSchedule.linear1000(),
                f -> Checkpoints.read(f).asMap(), tolerance).verify(fixture);

        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-18s %-16s %12s %12s %12s  %s%n", "file", "tensor", "max_abs", "rel_to_max", "max_elem_rel", "ok");
        for (BlockVerifier.Comparison r : results) {
            out.printf("%-18s %-16s %12.3e %12.3e %12.3e  %s%n", r.file(), r.key(), r.maxAbs(), r.relToMax(), r.maxElemRel(),
                    r.ok() ? "ok" : "FAIL");
        }
        long failed = results.stream().filter(r -> !r.ok()).count();
        double worst = results.stream().mapToDouble(BlockVerifier.Comparison::relToMax).max().orElse(0);
        out.printf("%d tensors checked, %d out of tolerance %.1e (worst rel_to_max %.3e)%n", results.size(), failed, tolerance, worst);
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    public static void main(String[] args) {
        Cli.main(new VerifyBlocksCommand(), args);
    }
}
