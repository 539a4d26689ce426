package org.diffrep.datasets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.cli.Cli;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code diffrep datasets check --dataset NAME --root DIR [--json]}: images and classes per official
 * split, and the unreadable files. Exit code 0 when fine, 1 when more than the tolerated fraction of
 * a split is unreadable, 2 when the root is not in the dataset's layout.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate a dataset root: images and classes per split, unreadable files.")
public final class DatasetsCheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", required = true, completionCandidates = DatasetsCommand.Names.class,
            description = "One of: ${COMPLETION-CANDIDATES}.")
    String dataset;

    @Option(names = "--root", required = true, description = "Dataset root, as extracted from the official archives.")
    Path root;

    @Option(names = "--json", description = "Print exactly one JSON object: {dataset, splits: {split: {images, classes}}, unreadable}.")
    boolean json;

    @Option(names = "--decode", description = "Decode every image fully (slow) instead of checking signatures and end markers.")
    boolean decode;

    @Option(names = "--threads", description = "Checking threads (default: ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @CommandLine.Mixin
    UnreadableOptions unreadable;

    public static void main(String[] args) {
        Cli.main(new DatasetsCheckCommand(), args);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        DatasetChecker.Result result = DatasetChecker.check(DatasetRegistry.open(dataset, root), decode, threads, unreadable.maxUnreadable());
        if (json) {
            out.println(toJson(result));
        } else {
            printTable(result, out);
        }
        out.flush();
        return result.failed() ? 1 : 0;
    }

    static String toJson(DatasetChecker.Result result) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("dataset", result.dataset());
        ObjectNode splits = root.putObject("splits");
        for (DatasetChecker.SplitSummary s : result.splits()) {
            splits.putObject(s.split()).put("images", s.images()).put("classes", s.classes());
        }
        ArrayNode unreadable = root.putArray("unreadable");
        result.unreadable().keySet().forEach(unreadable::add);
        return root.toString();
    }

    private static void printTable(DatasetChecker.Result result, PrintWriter out) {
        out.printf("%s at %s%n", result.dataset(), result.root());
        out.printf("%-10s %10s %8s %11s%n", "split", "images", "classes", "unreadable");
        for (DatasetChecker.SplitSummary s : result.splits()) {
            out.printf("%-10s %10d %8d %11d%n", s.split(), s.images(), s.classes(), s.report().unreadableCount());
        }
        Map<String, String> unreadable = result.unreadable();
        if (!unreadable.isEmpty()) {
            out.printf("%nunreadable files:%n");
            unreadable.forEach((path, reason) -> out.printf("  %s: %s%n", path, reason));
        }
        for (DatasetChecker.SplitSummary s : result.splits()) {
            if (s.report().exceeded()) {
                out.printf("FAILED: %s%n", s.report().summary());
            }
        }
    }
}
