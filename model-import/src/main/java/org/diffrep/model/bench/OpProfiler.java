package org.diffrep.model.bench;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Wall time per op type of SameDiff inference, to see which op costs what in a forward. */
public final class OpProfiler extends BaseListener {

    /** Total time and count of one op type. */
    public record OpCost(String op, long count, double seconds) {}

    private final Map<String, long[]> totals = new HashMap<>(); // op -> {count, nanos}
    private long started;

    @Override
    public boolean isActive(Operation operation) {
        return operation == Operation.INFERENCE;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        started = System.nanoTime();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext, INDArray[] outputs) {
        long elapsed = System.nanoTime() - started;
        long[] t = totals.computeIfAbsent(op.getOp().opName(), k -> new long[2]);
        t[0]++;
        t[1] += elapsed;
    }

    public void reset() {
        totals.clear();
    }

    /** Op types by descending total time. */
    public List<OpCost> costs() {
        List<OpCost> out = new ArrayList<>();
        totals.forEach((op, t) -> out.add(new OpCost(op, t[0], t[1] / 1e9)));
        out.sort(Comparator.comparingDouble(OpCost::seconds).reversed());
        return out;
    }
}
