package org.diffrep.model.bench;

import picocli.CommandLine.Command;

/** {@code diffrep bench <what>}: benchmark commands that print ratios measured in one run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (ratios are measured in the same run).",
        subcommands = BenchForwardCommand.class)
public final class BenchCommand {
}
