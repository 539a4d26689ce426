package org.diffrep.model.features;

import org.diffrep.common.UserInputException;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Adaptive pooling of a block output [N, C, H, W] to k×k cells, flattened C-major (index
 * c·k² + i·k + j, as {@code torch.flatten(AdaptiveAvgPool2d(k)(x), 1)}). Cell i covers rows
 * [floor(i·H/k), ceil((i+1)·H/k)), PyTorch's adaptive rule. {@code NONE} keeps the map unpooled.
 */
public record Pooling(Type type, int size) {

    public enum Type { AVG, MAX, NONE }

    public static final Pooling NONE = new Pooling(Type.NONE, 0);

    public Pooling {
        if (type != Type.NONE && size < 1) throw new UserInputException("pool size must be >= 1, got " + size);
    }

    public static Pooling avg(int k) {
        return new Pooling(Type.AVG, k);
    }

    public static Pooling max(int k) {
        return new Pooling(Type.MAX, k);
    }

    /** Parses {@code avg:2}, {@code max:4}, {@code global} (= avg:1), {@code global-max}, {@code none}. */
    public static Pooling parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "none": return NONE;
            case "global": case "gap": return avg(1);
            case "global-max": return max(1);
            default:
        }
        String[] parts = s.split(":");
        if (parts.length == 2 && (parts[0].equals("avg") || parts[0].equals("max"))) {
            try {
                int k = Integer.parseInt(parts[1]);
                return parts[0].equals("avg") ? avg(k) : max(k);
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
        }
        throw new UserInputException("bad pooling '" + spec + "': use avg:K, max:K, global, global-max or none");
    }

    @Override
    public String toString() {
        return type == Type.NONE ? "none" : type.name().toLowerCase(Locale.ROOT) + ":" + size;
    }

    /** Length of the flattened feature for a block with the given channels and side. */
    public long featureLength(long channels, long side) {
        return type == Type.NONE ? channels * side * side : channels * size * size;
    }

    /**
     * Side of a block map of side {@code side} after this pooling: the pooled size, or the map's own
     * side when pooling would not shrink it (unpooled, or a pool size at least the side).
     */
    public int outputSide(int side) {
        return type == Type.NONE || size >= side ? side : size;
    }

    /** Pools block maps [N, C, H, H] to [N, C, s, s] with s = {@link #outputSide}; returns {@code maps} itself when s = H. */
    public INDArray poolMaps(INDArray maps) {
        long side = maps.size(2);
        int out = outputSide((int) side);
        if (out == side) return maps;
        return apply(maps).reshape('c', maps.size(0), maps.size(1), out, out);
    }

    static long cellStart(long i, long in, long out) {
        return Math.floorDiv(i * in, out);
    }

    static long cellEnd(long i, long in, long out) {
        return -Math.floorDiv(-(i + 1) * in, out);
    }

    /** Pools and flattens to [N, featureLength]. */
    public INDArray apply(INDArray x) {
        long n = x.size(0);
        if (type == Type.NONE) return x.reshape('c', n, -1);
        long c = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        INDArray out = Nd4j.create(x.dataType(), n, c, size, size);
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                INDArray cell = x.get(NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.interval(cellStart(i, h, size), cellEnd(i, h, size)),
                        NDArrayIndex.interval(cellStart(j, w, size), cellEnd(j, w, size)));
                INDArray v = type == Type.AVG ? cell.mean(2, 3) : cell.max(2, 3);
                out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.point(j)).assign(v);
            }
        }
        return out.reshape('c', n, c * size * size);
    }

    /** The same pooling inside a SameDiff graph (for heads built on a block variable of known side). */
    public SDVariable apply(SameDiff sd, SDVariable x, long channels, long side) {
        if (type == Type.NONE) return x.reshape(-1, channels * side * side);
        List<SDVariable> cells = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                SDVariable cell = x.get(SDIndex.all(), SDIndex.all(),
                        SDIndex.interval(cellStart(i, side, size), cellEnd(i, side, size)),
                        SDIndex.interval(cellStart(j, side, size), cellEnd(j, side, size)));
                cells.add((type == Type.AVG ? cell.mean(true, 2, 3) : cell.max(true, 2, 3)).reshape(-1, channels, 1));
            }
        }
        SDVariable stacked = cells.size() == 1 ? cells.get(0) : sd.concat(2, cells.toArray(new SDVariable[0]));
        return stacked.reshape(-1, channels * size * size);
    }
}
