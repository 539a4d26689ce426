package org.diffrep.model.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.diffrep.common.cli.Cli;
import org.diffrep.model.unet.AdmConfigs;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code inspect-checkpoint}: what a weights file holds and, given a config, whether it fits. */
@Command(name = "inspect-checkpoint", mixinStandardHelpOptions = true,
        description = {"Lists every tensor of a torch zip checkpoint (.pt) or numpy .npz: key, shape, stored dtype,"
                + " element count, and the parameter total. Reads only the layout unless --read is given.",
                "Exit status: 0 ok, 1 the checkpoint does not fit --config, 2 the file cannot be read."})
public final class InspectCheckpointCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "The checkpoint (.pt written by torch>=1.6, or .npz).")
    Path file;

    @Option(names = "--config", paramLabel = "NAME|config.json",
            description = "Also list missing, unexpected and wrong-shape keys against this U-Net config"
                    + " (a registered name such as adm-256-uncond, or a config.json path).")
    String config;

    @Option(names = "--json", description = "Print the same information as one JSON object.")
    boolean json;

    @Option(names = "--read", description = "Also read all tensor data (checks it is complete, counts tensors"
            + " holding NaN or Inf, reports the load time).")
    boolean read;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, long[]> expected = null;
        Map<String, Object> report = new LinkedHashMap<>();
        // The config first: a typo should not cost a 2 GB read.
        if (config != null) {
            expected = AdmConfigs.resolve(config).expectedStateDict();
        }
        report.put("file", file.toString());
        report.put("format", Checkpoints.format(file).label);
        List<TensorInfo> tensors = Checkpoints.describe(file);
        report.put("tensors", tensorRows(tensors));
        report.put("tensorCount", tensors.size());
        report.put("parameters", tensors.stream().mapToLong(TensorInfo::numel).sum());
        if (read) {
            report.put("read", readAll());
        }
        StateDictCheck.Result check = expected == null ? null : StateDictCheck.compare(tensors, expected);
        if (check != null) {
            report.put("check", checkReport(check));
        }
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            printText(out, report, check);
        }
        out.flush();
        return check == null || check.matches() ? 0 : 1;
    }

    private Map<String, Object> readAll() {
        long start = System.nanoTime();
        try (StateDict sd = Checkpoints.read(file)) {
            double seconds = (System.nanoTime() - start) / 1e9;
            List<String> nonFinite = new ArrayList<>();
            for (String key : sd.keys()) {
                INDArray a = sd.get(key);
                if (!a.isEmpty() && (BooleanIndexing.or(a, Conditions.isNan()) || BooleanIndexing.or(a, Conditions.isInfinite()))) {
                    nonFinite.add(key);
                }
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("seconds", Math.round(seconds * 1000) / 1000.0);
            r.put("bytes", sd.totalBytes());
            r.put("parameters", sd.parameterCount());
            r.put("nonFinite", nonFinite);
            return r;
        }
    }

    private static List<Map<String, Object>> tensorRows(List<TensorInfo> tensors) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (TensorInfo t : tensors) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("key", t.key());
            row.put("shape", t.shape());
            row.put("dtype", t.dtype());
            row.put("numel", t.numel());
            rows.add(row);
        }
        return rows;
    }

    private Map<String, Object> checkReport(StateDictCheck.Result check) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("config", config);
        r.put("matches", check.matches());
        r.put("missing", mismatchRows(check.missing()));
        r.put("unexpected", mismatchRows(check.unexpected()));
        r.put("wrongShape", mismatchRows(check.wrongShape()));
        return r;
    }

    private static List<Map<String, Object>> mismatchRows(List<StateDictCheck.Mismatch> mismatches) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (StateDictCheck.Mismatch m : mismatches) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("key", m.key());
            if (m.expected() != null) {
                row.put("expected", m.expected());
            }
            if (m.actual() != null) {
                row.put("actual", m.actual());
            }
            rows.add(row);
        }
        return rows;
    }

    @SuppressWarnings("unchecked")
    private void printText(PrintWriter out, Map<String, Object> report, StateDictCheck.Result check) {
        out.printf("%s: %s, %d tensors, %,d parameters%n", file, report.get("format"), report.get("tensorCount"),
                report.get("parameters"));
        out.println("key\tshape\tdtype\tnumel");
        for (Map<String, Object> row : (List<Map<String, Object>>) report.get("tensors")) {
            out.printf("%s\t%s\t%s\t%d%n", row.get("key"), TensorInfo.formatShape((long[]) row.get("shape")),
                    row.get("dtype"), (Long) row.get("numel"));
        }
        out.printf("total: %,d parameters in %d tensors%n", report.get("parameters"), report.get("tensorCount"));
        if (report.get("read") instanceof Map<?, ?> r) {
            out.printf("read: %,d bytes as float32 in %.2f s; tensors with NaN/Inf: %s%n", r.get("bytes"), r.get("seconds"),
                    ((List<?>) r.get("nonFinite")).isEmpty() ? "none" : r.get("nonFinite"));
        }
        if (check != null) {
            out.printf("config %s: %s%n", config, check.matches() ? "all keys and shapes match" : check.summary());
            check.all().forEach(m -> out.println("  " + m));
        }
    }

    public static void main(String[] args) {
        Cli.main(new InspectCheckpointCommand(), args);
    }
}
