package org.diffrep.model.verify;

import org.diffrep.model.diffusion.DiffusionSchedule;
import org.diffrep.model.features.Pooling;
import org.diffrep.model.unet.AdmUNet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Compares the SameDiff U-Net with golden outputs of guided-diffusion stored in a fixture folder
 * (the adm-tiny layout: inputs.npz, blocks_t*.npz with whole blocks {@code bNN} or top-left crops
 * {@code bNN_tlK}, batch2.npz with one t per sample, pooled.npz with 2x2 adaptive average pooling).
 *
 * <p>A tensor passes when {@code max|java - ref| <= tolerance * max|ref|}: the fixture README measured
 * 1.8e-5 between two float32 conv algorithms and 7.6e-6 between float32 and float64, and recommends
 * 1e-4. A purely elementwise relative test is not usable (near-zero elements).
 */
public final class BlockVerifier {

    public static final double DEFAULT_TOLERANCE = 1e-4;
    private static final Pattern BLOCK_KEY = Pattern.compile("b(\\d+)(?:_tl(\\d+))?");
    private static final Pattern POOLED_KEY = Pattern.compile("p(\\d+)");

    /** Reads every array of an .npz file by name. */
    @FunctionalInterface
    public interface NpzSource {
        Map<String, INDArray> read(Path npz) throws IOException;
    }

    /**
     * @param maxAbs       max |java - ref|
     * @param relToMax     maxAbs / max |ref|, the tested quantity
     * @param maxElemRel   max |java - ref| / (|ref| + 1e-3 max|ref|), for information
     */
    public record Comparison(String file, String key, double maxAbs, double relToMax, double maxElemRel, boolean ok) {}

    private final AdmUNet net;
    private final DiffusionSchedule schedule;
    private final NpzSource npz;
    private final double tolerance;

    public BlockVerifier(AdmUNet net, DiffusionSchedule schedule, NpzSource npz, double tolerance) {
        this.net = net;
        this.schedule = schedule;
        this.npz = npz;
        this.tolerance = tolerance;
    }

    public List<Comparison> verify(Path fixtureDir) throws IOException {
        Path inputsFile = fixtureDir.resolve("inputs.npz");
        if (!Files.isRegularFile(inputsFile)) {
            throw new IOException("not a block fixture: " + inputsFile + " is missing");
        }
        Map<String, INDArray> inputs = npz.read(inputsFile);
        List<Comparison> results = new ArrayList<>();
        List<Path> blockFiles;
        try (Stream<Path> s = Files.list(fixtureDir)) {
            blockFiles = s.filter(p -> p.getFileName().toString().matches("blocks_t\\d+\\.npz|batch2\\.npz")).sorted().toList();
        }
        if (blockFiles.isEmpty()) throw new IOException("no blocks_t*.npz or batch2.npz in " + fixtureDir);
        for (Path f : blockFiles) {
            results.addAll(verifyBlocksFile(f, inputs));
        }
        Path pooledFile = fixtureDir.resolve("pooled.npz");
        if (Files.isRegularFile(pooledFile)) {
            results.addAll(verifyPooled(pooledFile, inputs, fixtureDir));
        }
        return results;
    }

    private List<Comparison> verifyBlocksFile(Path file, Map<String, INDArray> inputs) throws IOException {
        Map<String, INDArray> ref = npz.read(file);
        String name = file.getFileName().toString();
        int[] t = ref.get("t").toIntVector();
        int n = t.length;
        INDArray x0 = inputs.get("x0").get(NDArrayIndex.interval(0, n));
        INDArray eps = inputs.get("eps").get(NDArrayIndex.interval(0, n));
        List<Comparison> out = new ArrayList<>();
        out.add(compare(name, "xt (q_sample)", schedule.qSample(x0, t, eps), ref.get("xt")));

        // the stored xt is fed, not ours: q_sample is checked above, blocks are checked on their own
        INDArray xt = ref.get("xt");
        INDArray tArr = ref.get("t");
        TreeSet<Integer> blocks = new TreeSet<>();
        for (String key : ref.keySet()) {
            Matcher m = BLOCK_KEY.matcher(key);
            if (m.matches()) blocks.add(Integer.parseInt(m.group(1)));
        }
        Map<Integer, INDArray> got = net.blocks(xt, tArr, blocks.stream().mapToInt(Integer::intValue).toArray());
        for (String key : new TreeSet<>(ref.keySet())) {
            Matcher m = BLOCK_KEY.matcher(key);
            if (!m.matches()) continue;
            INDArray mine = got.get(Integer.parseInt(m.group(1)));
            if (m.group(2) != null) {
                int k = Integer.parseInt(m.group(2));
                mine = mine.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, k), NDArrayIndex.interval(0, k));
            }
            out.add(compare(name, key, mine, ref.get(key)));
        }
        if (ref.containsKey("out") && net.hasOutput()) {
            out.add(compare(name, "out", net.forward(xt, tArr), ref.get("out")));
        }
        return out;
    }

    /** pooled.npz holds flatten(AdaptiveAvgPool2d(2)) of blocks at the t of the blocks_t file it names. */
    private List<Comparison> verifyPooled(Path file, Map<String, INDArray> inputs, Path dir) throws IOException {
        Map<String, INDArray> ref = npz.read(file);
        int t = ref.containsKey("t") ? ref.get("t").getInt(0) : 150;
        Path source = dir.resolve("blocks_t" + t + ".npz");
        INDArray xt = Files.isRegularFile(source) ? npz.read(source).get("xt")
                : schedule.qSample(inputs.get("x0").get(NDArrayIndex.interval(0, 1)), t,
                inputs.get("eps").get(NDArrayIndex.interval(0, 1)));
        INDArray tArr = org.nd4j.linalg.factory.Nd4j.createFromArray(new int[]{t});
        List<Comparison> out = new ArrayList<>();
        for (String key : new TreeSet<>(ref.keySet())) {
            Matcher m = POOLED_KEY.matcher(key);
            if (!m.matches()) continue;
            int b = Integer.parseInt(m.group(1));
            INDArray block = net.blocks(xt, tArr, b).get(b);
            out.add(compare(file.getFileName().toString(), key + " (avg:2)", Pooling.avg(2).apply(block), ref.get(key)));
        }
        return out;
    }

    Comparison compare(String file, String key, INDArray mine, INDArray ref) {
        if (!java.util.Arrays.equals(mine.shape(), ref.shape())) {
            throw new IllegalStateException(file + " " + key + ": shape " + java.util.Arrays.toString(mine.shape())
                    + " but the fixture has " + java.util.Arrays.toString(ref.shape()));
        }
        INDArray r = ref.castTo(mine.dataType());
        INDArray diff = Transforms.abs(mine.sub(r));
        double maxAbs = diff.maxNumber().doubleValue();
        double refMax = Transforms.abs(r).maxNumber().doubleValue();
        double relToMax = refMax == 0 ? maxAbs : maxAbs / refMax;
        double elemRel = diff.div(Transforms.abs(r).add(1e-3 * refMax + Double.MIN_NORMAL)).maxNumber().doubleValue();
        return new Comparison(file, key, maxAbs, relToMax, elemRel, relToMax <= tolerance);
    }
}
