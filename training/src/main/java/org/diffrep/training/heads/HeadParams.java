package org.diffrep.training.heads;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Creates the trainable variables of a head in a SameDiff graph, with PyTorch's default
 * initialisation, and remembers them (names, shapes) for the optimizer, checkpoints and parameter
 * counts. Each tensor's random stream depends only on (seed, name), so a head initialises the same
 * whatever order it is built in.
 *
 * <p>In counting mode no arrays are allocated (parameters become placeholders): enough to build the
 * graph and count a 30M-parameter head without its memory.
 */
public final class HeadParams {

    private final SameDiff sd;
    private final long seed;
    private final boolean allocate;
    private final Map<String, long[]> trainable = new LinkedHashMap<>();
    private final Map<String, long[]> buffers = new LinkedHashMap<>();

    private HeadParams(SameDiff sd, long seed, boolean allocate) {
        this.sd = sd;
        this.seed = seed;
        this.allocate = allocate;
    }

    public static HeadParams initialised(SameDiff sd, long seed) {
        return new HeadParams(sd, seed, true);
    }

    public static HeadParams counting(SameDiff sd) {
        return new HeadParams(sd, 0, false);
    }

    public SameDiff sd() {
        return sd;
    }

    /** U(-bound, bound), PyTorch's default for Linear/Conv weights and biases with bound 1/sqrt(fan_in). */
    public SDVariable uniform(String name, double bound, long... shape) {
        return create(name, shape, true, () -> {
            SplittableRandom r = new SplittableRandom(streamSeed(name));
            float[] v = new float[Math.toIntExact(numel(shape))];
            for (int i = 0; i < v.length; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
            return Nd4j.createFromArray(v).reshape(shape);
        });
    }

    public SDVariable filled(String name, double value, long... shape) {
        return create(name, shape, true, () -> Nd4j.valueArrayOf(shape, (float) value));
    }

    /** A non-trained state tensor (BatchNorm running statistics), updated outside the graph. */
    public SDVariable buffer(String name, double value, long... shape) {
        if (!allocate) return register(name, shape, false, null);
        buffers.put(name, shape.clone());
        return sd.constant(name, Nd4j.valueArrayOf(shape, (float) value));
    }

    private SDVariable create(String name, long[] shape, boolean train, java.util.function.Supplier<INDArray> init) {
        return register(name, shape, train, allocate ? init : null);
    }

    private SDVariable register(String name, long[] shape, boolean train, java.util.function.Supplier<INDArray> init) {
        if (trainable.containsKey(name) || buffers.containsKey(name)) throw new IllegalStateException("parameter " + name + " created twice");
        if (train) trainable.put(name, shape.clone());
        else buffers.put(name, shape.clone());
        if (init == null) return sd.placeHolder(name, DataType.FLOAT, shape);
        return sd.var(name, init.get());
    }

    private long streamSeed(String name) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) h = (h ^ b) * 0x100000001B3L;
        return h;
    }

    public List<String> trainableNames() {
        return List.copyOf(trainable.keySet());
    }

    public List<String> bufferNames() {
        return List.copyOf(buffers.keySet());
    }

    public Map<String, long[]> trainableShapes() {
        return Collections.unmodifiableMap(trainable);
    }

    public long trainableCount() {
        return trainable.values().stream().mapToLong(HeadParams::numel).sum();
    }

    /** Trainable parameters whose name starts with the prefix (e.g. the feedback networks). */
    public long trainableCount(String prefix) {
        return trainable.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(e -> numel(e.getValue())).sum();
    }

    static long numel(long[] shape) {
        return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }
}
