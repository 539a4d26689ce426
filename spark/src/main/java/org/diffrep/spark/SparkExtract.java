package org.diffrep.spark;

import org.diffrep.common.cli.Cli;
import org.diffrep.training.cli.ExtractCommand;

import java.util.ArrayList;
import java.util.List;

/**
 * Main class of the spark-submit jar: {@code extract} with the Spark engine and the master that
 * spark-submit configured ({@code --master} on spark-submit's command line, not this one's).
 */
public final class SparkExtract {

    private SparkExtract() {}

    public static void main(String[] args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--engine")) all.addAll(0, List.of("--engine", "spark"));
        Cli.main(new ExtractCommand(), all.toArray(new String[0]));
    }
}
