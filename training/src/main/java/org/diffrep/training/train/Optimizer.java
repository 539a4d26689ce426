package org.diffrep.training.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PyTorch's SGD and Adam update rules applied in place to the graph's parameter arrays. The state
 * (momentum buffers, Adam moments, step count) is exposed so checkpoints can restore it exactly.
 */
public final class Optimizer {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

    private final TrainConfig config;
    private final Map<String, INDArray> state = new LinkedHashMap<>();
    private long step;

    public Optimizer(TrainConfig config) {
        this.config = config;
    }

    public long step() {
        return step;
    }

    /** Arrays to checkpoint, by name. */
    public Map<String, INDArray> state() {
        return state;
    }

    public void restore(long step, Map<String, INDArray> arrays) {
        this.step = step;
        state.clear();
        state.putAll(arrays);
    }

    /** One update of every parameter with its gradient, at learning rate {@code lr}. */
    public void apply(Map<String, INDArray> params, Map<String, INDArray> grads, double lr) {
        step++;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray w = e.getValue();
            INDArray g = grads.get(e.getKey()).dup();
            if (config.weightDecay() != 0) g.addi(w.mul(config.weightDecay()));
            if (config.optimizer() == OptimizerKind.ADAM) {
                adamStep(state, e.getKey(), w, g, lr, step);
            } else {
                if (config.momentum() != 0) {
                    INDArray buf = state.get("momentum/" + e.getKey());
                    if (buf == null) {
                        buf = g.dup();
                        state.put("momentum/" + e.getKey(), buf);
                    } else {
                        buf.muli(config.momentum()).addi(g);
                    }
                    g = buf;
                }
                w.subi(g.mul(lr));
            }
        }
    }

    /**
     * Adam's update of {@code w} with gradient {@code g} at 1-based {@code step}, bias-corrected, its
     * moments kept in {@code state} under adam_m/ and adam_v/ + name (shared with the segmentation
     * heads' AdamW, which decays the weights before this step instead of adding to the gradient).
     */
    public static void adamStep(Map<String, INDArray> state, String name, INDArray w, INDArray g, double lr, long step) {
        INDArray m = state.computeIfAbsent("adam_m/" + name, k -> Nd4j.zerosLike(w));
        INDArray v = state.computeIfAbsent("adam_v/" + name, k -> Nd4j.zerosLike(w));
        m.muli(BETA1).addi(g.mul(1 - BETA1));
        v.muli(BETA2).addi(g.mul(g).muli(1 - BETA2));
        double bc1 = 1 - Math.pow(BETA1, step);
        double bc2 = 1 - Math.pow(BETA2, step);
        INDArray denom = Transforms.sqrt(v, true).divi(Math.sqrt(bc2)).addi(EPS);
        w.subi(m.div(denom).muli(lr / bc1));
    }
}
