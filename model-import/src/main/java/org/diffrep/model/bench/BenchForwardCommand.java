package org.diffrep.model.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.diffrep.common.cli.Cli;
import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.features.FeatureTaps;
import org.diffrep.model.runtime.NativeMemory;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Times the U-Net forward: (a) the full model, (b) the tap path that stops after max(blocks), (c)
 * all requested blocks for all requested t through {@link FeatureTaps}. Ratios are measured in the
 * same process, so they survive a noisy machine better than absolute times.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Time a full forward, the early-exit tap path and all (t, b) taps; print images/s, GFLOP/s, memory.")
public final class BenchForwardCommand implements Callable<Integer> {

    @Option(names = "--config", defaultValue = "adm-fmnist", description = "Registered name or config.json (default: ${DEFAULT-VALUE}, the shipped model;"
            + " the paper's: adm-256-uncond).")
    String config;

    @Option(names = "--checkpoint", description = "Real weights (.pt/.npz); default random weights (same speed).")
    Path checkpoint;

    @Option(names = "--batch", defaultValue = "1", description = "Images per forward (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--image-size", description = "Input side (default: the config's).")
    Integer imageSize;

    @Option(names = "--blocks", split = ",", description = "Blocks to tap (default: the config's default block; adm-256-uncond 24, adm-fmnist 13).")
    List<Integer> blocks;

    @Option(names = "--t", split = ",", description = "Noise steps for the all-taps timing (default: the config's default t; adm-256-uncond 150,"
            + " adm-fmnist 10).")
    List<Integer> timesteps;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed runs first, for JIT and allocators (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "3", description = "Timed runs; the median is reported (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--threads", description = "OpenMP threads for ND4J (re-launches the JVM with OMP_NUM_THREADS=K).")
    Integer threads;

    @Option(names = "--skip-full", description = "Do not time the full forward (the slowest part on large models).")
    boolean skipFull;

    @Option(names = "--profile", description = "Also print time per op type for one tap-path forward.")
    boolean profile;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Median / min / max wall seconds of the runs, and the median process CPU seconds (all threads):
     * on a shared machine CPU time moves much less than wall time.
     */
    record Timing(double median, double min, double max, double cpuMedian) {
        static Timing of(List<Double> seconds, List<Double> cpuSeconds) {
            List<Double> s = new ArrayList<>(seconds);
            Collections.sort(s);
            List<Double> c = new ArrayList<>(cpuSeconds);
            Collections.sort(c);
            return new Timing(s.get(s.size() / 2), s.get(0), s.get(s.size() - 1), c.get(c.size() / 2));
        }
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    @Override
    public Integer call() throws Exception {
        if (threads != null && !String.valueOf(threads).equals(System.getenv("OMP_NUM_THREADS"))) {
            return relaunchWithThreads();
        }
        AdmConfig c = AdmConfigs.resolve(config);
        if (blocks == null) blocks = c.featureDefaults().head().blocks();
        if (timesteps == null) timesteps = c.featureDefaults().head().timesteps();
        if (imageSize != null) c = c.withImageSize(imageSize);
        int maxBlock = Collections.max(blocks);
        AdmUNet.Builder builder = AdmUNet.builder(c);
        if (checkpoint != null) builder.setWeights(Checkpoints.read(checkpoint));
        else builder.optRandomWeights(0);
        long buildStart = System.nanoTime();
        AdmUNet net = builder.build();
        double buildSeconds = (System.nanoTime() - buildStart) / 1e9;

        int s = c.imageSize();
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, c.inChannels(), s, s).muli(2).subi(1);
        INDArray t = Nd4j.valueArrayOf(new long[]{batch}, (float) timesteps.get(0), DataType.FLOAT);
        int[] tapBlocks = blocks.stream().mapToInt(Integer::intValue).toArray();
        MemoryWatch memory = new MemoryWatch();

        Timing full = skipFull ? null : time(() -> net.forward(x, t), memory);
        Timing tap = time(() -> net.blocks(x, t, tapBlocks), memory);
        FeatureTaps taps = new FeatureTaps(net, DiffusionSchedule.linear1000());
        long[] ids = new long[batch];
        Arrays.setAll(ids, i -> i);
        Timing allTaps = time(() -> taps.extract(x, ids, FeatureTaps.grid(timesteps, blocks)), memory);

        long fullFlops = c.layout().flops(s, c.layout().numBlocks()) * batch;
        long tapFlops = c.layout().flops(s, maxBlock) * batch;
        double gflops = (full != null ? fullFlops / full.median() : tapFlops / tap.median()) / 1e9;

        List<OpProfiler.OpCost> ops = profile ? profileTapPath(net, x, t, tapBlocks) : List.of();
        double convSeconds = ops.stream().filter(o -> o.op().equals("conv2d")).mapToDouble(OpProfiler.OpCost::seconds).sum();
        double convGflops = convSeconds > 0 ? c.layout().convFlops(s, maxBlock) * batch / convSeconds / 1e9 : Double.NaN;

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("config", c.name());
        r.put("batch", batch);
        r.put("image_size", s);
        r.put("checkpoint", checkpoint == null ? "random" : checkpoint.toString());
        r.put("omp_num_threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "default"));
        r.put("backend", Nd4j.getBackend().getClass().getSimpleName());
        r.put("build_s", buildSeconds);
        if (full != null) r.put("full", section(full, batch, fullFlops));
        Map<String, Object> tapSection = section(tap, batch, tapFlops);
        tapSection.put("blocks", blocks);
        r.put("tap", tapSection);
        Map<String, Object> all = section(allTaps, batch * timesteps.size(), tapFlops * timesteps.size());
        all.put("t", timesteps);
        all.put("blocks", blocks);
        r.put("all_taps", all);
        if (full != null) r.put("tap_speedup", full.median() / tap.median());
        r.put("gflops_per_s", gflops);
        r.put("peak_rss_mb", memory.peakRssMb());
        r.put("peak_heap_mb", memory.peakHeapMb());
        r.put("memory", NativeMemory.describe());
        r.put("released_arrays", NativeMemory.releasePolicy(net.sameDiff()));
        if (profile) {
            r.put("profile", ops);
            r.put("conv_gflops_per_s", convGflops);
        }

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(r));
        } else {
            print(out, r, full, tap, allTaps, ops);
        }
        out.flush();
        return 0;
    }

    private static Map<String, Object> section(Timing timing, int images, long flops) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median_s", timing.median());
        m.put("min_s", timing.min());
        m.put("max_s", timing.max());
        m.put("cpu_s", timing.cpuMedian());
        m.put("images_per_s", images / timing.median());
        m.put("gflop", flops / 1e9);
        m.put("gflops_per_s", flops / timing.median() / 1e9);
        return m;
    }

    private Timing time(Runnable work, MemoryWatch memory) {
        for (int i = 0; i < warmup; i++) {
            work.run();
            memory.sample();
        }
        List<Double> seconds = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            double cpuStart = processCpuSeconds();
            long start = System.nanoTime();
            work.run();
            seconds.add((System.nanoTime() - start) / 1e9);
            cpu.add(processCpuSeconds() - cpuStart);
            memory.sample();
        }
        return Timing.of(seconds, cpu);
    }

    private static List<OpProfiler.OpCost> profileTapPath(AdmUNet net, INDArray x, INDArray t, int[] blocks) {
        OpProfiler profiler = new OpProfiler();
        net.sameDiff().addListeners(profiler);
        try {
            net.blocks(x, t, blocks);
        } finally {
            net.sameDiff().getListeners().remove(profiler);
        }
        return profiler.costs();
    }

    private void print(PrintWriter out, Map<String, Object> r, Timing full, Timing tap, Timing allTaps, List<OpProfiler.OpCost> ops) {
        out.printf("%s, batch %d, %dx%d, weights %s, OMP_NUM_THREADS=%s, backend %s (graph built in %.1f s)%n",
                r.get("config"), batch, r.get("image_size"), r.get("image_size"), r.get("checkpoint"),
                r.get("omp_num_threads"), r.get("backend"), (double) r.get("build_s"));
        out.printf("%-30s %9s %9s %9s %9s %10s %9s%n", "", "median_s", "min_s", "max_s", "cpu_s", "images/s", "GFLOP/s");
        if (full != null) row(out, "full forward", full, r.get("full"));
        row(out, "tap path (stop after b" + Collections.max(blocks) + ")", tap, r.get("tap"));
        row(out, "all taps (" + timesteps.size() + " t x " + blocks.size() + " b)", allTaps, r.get("all_taps"));
        if (full != null) out.printf("tap speed-up (full / tap): %.2fx%n", (double) r.get("tap_speedup"));
        out.printf("peak RSS %.0f MB, peak heap %.0f MB (%s; released arrays: %s)%n", (double) r.get("peak_rss_mb"),
                (double) r.get("peak_heap_mb"), r.get("memory"), r.get("released_arrays"));
        if (!ops.isEmpty()) {
            double total = ops.stream().mapToDouble(OpProfiler.OpCost::seconds).sum();
            out.printf("%nper-op time of one tap-path forward (%.2f s in ops; conv2d at %.1f GFLOP/s):%n", total,
                    (double) r.get("conv_gflops_per_s"));
            for (OpProfiler.OpCost op : ops) {
                out.printf("  %-20s %6d calls %8.3f s %5.1f%%%n", op.op(), op.count(), op.seconds(), 100 * op.seconds() / total);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void row(PrintWriter out, String name, Timing t, Object section) {
        Map<String, Object> m = (Map<String, Object>) section;
        out.printf("%-30s %9.3f %9.3f %9.3f %9.3f %10.2f %9.1f%n", name, t.median(), t.min(), t.max(), t.cpuMedian(),
                (double) m.get("images_per_s"), (double) m.get("gflops_per_s"));
    }

    private int relaunchWithThreads() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BenchForwardCommand.class.getName());
        // this command's own arguments, whether it was reached as "diffrep bench forward ..." or run as a main class
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        int own = args.indexOf(spec.name());
        cmd.addAll(args.subList(own + 1, args.size()));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        return pb.start().waitFor();
    }

    /** Peak resident set (from /proc when available) and heap, sampled after every run. */
    static final class MemoryWatch {
        private double peakHeapMb;

        void sample() {
            Runtime rt = Runtime.getRuntime();
            peakHeapMb = Math.max(peakHeapMb, (rt.totalMemory() - rt.freeMemory()) / 1e6);
        }

        double peakHeapMb() {
            return peakHeapMb;
        }

        double peakRssMb() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            } catch (IOException | NumberFormatException ignored) {
                // not Linux: fall back to JavaCPP's view of the process
            }
            return org.bytedeco.javacpp.Pointer.physicalBytes() / 1e6;
        }
    }

    public static void main(String[] args) {
        Cli.main(new BenchForwardCommand(), args);
    }
}
