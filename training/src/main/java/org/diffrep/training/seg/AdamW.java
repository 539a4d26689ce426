package org.diffrep.training.seg;

import org.diffrep.training.train.Optimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PyTorch's AdamW applied in place: w ← w·(1 − lr·λ) for decayed parameters, then the Adam step
 * with bias correction. The state (moments, step) is exposed so checkpoints restore it exactly.
 */
final class AdamW {

    private final double weightDecay;
    private final Map<String, INDArray> state = new LinkedHashMap<>();
    private long step;

    AdamW(double weightDecay) {
        this.weightDecay = weightDecay;
    }

    long step() {
        return step;
    }

    Map<String, INDArray> state() {
        return state;
    }

    void restore(long step, Map<String, INDArray> arrays) {
        this.step = step;
        state.clear();
        state.putAll(arrays);
    }

    /** Conv and linear weights decay; biases and BatchNorm affine parameters do not (mmseg's usual paramwise setting). */
    static boolean decays(String name, INDArray w) {
        return name.endsWith(".weight") && w.rank() >= 2;
    }

    void apply(Map<String, INDArray> params, Map<String, INDArray> grads, double lr) {
        step++;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String name = e.getKey();
            INDArray w = e.getValue();
            INDArray g = grads.get(name);
            if (g == null) throw new IllegalStateException("no gradient for " + name);
            if (weightDecay != 0 && decays(name, w)) w.muli(1 - lr * weightDecay);
            Optimizer.adamStep(state, name, w, g, lr, step);
        }
    }
}
