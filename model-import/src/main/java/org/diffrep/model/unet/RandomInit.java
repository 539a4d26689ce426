package org.diffrep.model.unet;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * guided-diffusion's initialisation: PyTorch's default for conv and linear layers (weight and bias
 * uniform in ±1/sqrt(fan_in)), GroupNorm weight 1 / bias 0, and the {@code zero_module} convs (the
 * second conv of every ResBlock, attention {@code proj_out}, {@code out.2}) all zero.
 */
final class RandomInit {
    private RandomInit() {}

    static Function<String, INDArray> forConfig(AdmConfig config, long seed) {
        Map<String, long[]> shapes = config.expectedStateDict();
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        Map<String, INDArray> cache = new HashMap<>();
        // draw in state_dict order so a seed gives the same weights whatever order the graph asks in
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            cache.put(e.getKey(), init(e.getKey(), e.getValue(), shapes, rng));
        }
        return cache::get;
    }

    private static INDArray init(String key, long[] shape, Map<String, long[]> shapes, Random rng) {
        boolean zeroModule = key.contains("out_layers.3.") || key.contains("proj_out.") || key.startsWith("out.2.");
        if (zeroModule) return Nd4j.zeros(DataType.FLOAT, shape);
        boolean norm = key.contains("in_layers.0.") || key.contains("out_layers.0.") || key.contains(".norm.")
                || key.startsWith("out.0.");
        if (norm) return key.endsWith(".weight") ? Nd4j.ones(DataType.FLOAT, shape) : Nd4j.zeros(DataType.FLOAT, shape);
        long[] weightShape = shapes.get(key.replaceFirst("\\.bias$", ".weight"));
        long fanIn = 1;
        for (int i = 1; i < weightShape.length; i++) fanIn *= weightShape[i];
        double bound = 1.0 / Math.sqrt(fanIn);
        // drawn off-heap by ND4J's RNG: a Java float[] per tensor would put 2.2 GB of garbage on the heap for ADM-256
        return Nd4j.rand(shape, -bound, bound, rng).castTo(DataType.FLOAT);
    }
}
