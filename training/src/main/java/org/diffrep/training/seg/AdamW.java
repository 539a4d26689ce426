package org.diffrep.training.seg;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PyTorch's AdamW applied in place: w ← w·(1 − lr·λ) for decayed parameters, then the Adam step
 * with bias correction. The state (moments, step) is exposed so checkpoints restore it exactly.
 */
final class AdamW {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

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
        double bc1 = 1 - Math.pow(BETA1, step);
        double bc2 = 1 - Math.pow(BETA2, step);
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String name = e.getKey();
            INDArray w = e.getValue();
            INDArray g = grads.get(name);
            if (g == null) throw new IllegalStateException("no gradient for " + name);
            if (weightDecay != 0 && decays(name, w)) w.muli(1 - lr * weightDecay);
            INDArray m = state.computeIfAbsent("adam_m/" + name, k -> Nd4j.zerosLike(w));
            INDArray v = state.computeIfAbsent("adam_v/" + name, k -> Nd4j.zerosLike(w));
            m.muli(BETA1).addi(g.mul(1 - BETA1));
            v.muli(BETA2).addi(g.mul(g).muli(1 - BETA2));
            INDArray denom = Transforms.sqrt(v, true).divi(Math.sqrt(bc2)).addi(EPS);
            w.subi(m.div(denom).muli(lr / bc1));
        }
    }
}
