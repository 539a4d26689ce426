package org.diffrep.training.pretrain;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes convolutions that still take PyTorch's [out, in, kH, kW] (OIYX) weights differentiable.
 * ND4J 1.0.0-M2.1's {@code conv2d_bp} fails shape validation for any weight layout but its default
 * [kH, kW, in, out] (YXIO; measured: OIYX and OYXI both throw "wrong shape of output gradients").
 * {@code AdmUNet} built with {@code optTrainable(true)} already uses YXIO, so this only changes
 * graphs built frozen whose parameters are made trainable afterwards: every OIYX conv op gets a
 * permute of its weight input and is switched to YXIO. The forward result is unchanged.
 */
public final class TrainableConvs {

    /** Position of the weights-format flag in conv2d's integer arguments (kH, kW, sH, sW, pH, pW, dH, dW, mode, NCHW, wFormat). */
    private static final int WEIGHTS_FORMAT_ARG = 10;

    private TrainableConvs() {}

    /** @return the number of convolutions switched */
    public static int patch(SameDiff sd) {
        List<Conv2D> convs = new ArrayList<>();
        for (SameDiffOp op : sd.getOps().values()) {
            DifferentialFunction f = op.getOp();
            if (f instanceof Conv2D c && c.getConfig().getWeightsFormat() == WeightsFormat.OIYX) convs.add(c);
        }
        for (Conv2D c : convs) {
            SDVariable w = c.arg(1);
            SDVariable yxio = sd.permute(w.name() + "_yxio", w, 2, 3, 1, 0);
            sd.replaceArgFor(1, yxio, c);
            c.getConfig().setWeightsFormat(WeightsFormat.YXIO);
            List<Long> iArgs = iArguments(c);
            if (iArgs.size() <= WEIGHTS_FORMAT_ARG) {
                throw new IllegalStateException("conv2d op " + c.getOwnName() + " has " + iArgs.size()
                        + " integer arguments; expected the M2.1 layout with the weights format at index " + WEIGHTS_FORMAT_ARG);
            }
            iArgs.set(WEIGHTS_FORMAT_ARG, 0L);
        }
        return convs.size();
    }

    @SuppressWarnings("unchecked")
    private static List<Long> iArguments(DynamicCustomOp op) {
        try {
            Field f = DynamicCustomOp.class.getDeclaredField("iArguments");
            f.setAccessible(true);
            return (List<Long>) f.get(op);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach conv2d's integer arguments in this ND4J version", e);
        }
    }
}
