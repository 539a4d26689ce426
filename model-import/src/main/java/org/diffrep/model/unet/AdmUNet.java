package org.diffrep.model.unet;

import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.checkpoint.StateDictCheck;
import org.diffrep.model.runtime.NativeMemory;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * guided-diffusion's {@code UNetModel} as a SameDiff graph. Placeholders {@value #INPUT} [N, C, S, S]
 * and {@value #TIMESTEPS} [N]; the output of block b is the variable {@link #blockName(int)}, the
 * model output (ε and, with learn_sigma, the variance values) is {@value #OUTPUT}. Parameters are
 * graph variables named by their state_dict keys; frozen (constants) unless built trainable.
 */
public final class AdmUNet {

    public static final String INPUT = "x";
    public static final String TIMESTEPS = "t";
    public static final String OUTPUT = "model_out";

    private final AdmConfig config;
    private final UNetLayout layout;
    private final SameDiff sd;
    private final int builtBlocks;
    private final String namePrefix;
    private final SDVariable input;
    private final SDVariable timesteps;

    private AdmUNet(AdmConfig config, UNetLayout layout, SameDiff sd, int builtBlocks, String namePrefix,
                    SDVariable input, SDVariable timesteps) {
        this.config = config;
        this.layout = layout;
        this.sd = sd;
        this.builtBlocks = builtBlocks;
        this.namePrefix = namePrefix;
        this.input = input;
        this.timesteps = timesteps;
    }

    public static Builder builder(AdmConfig config) {
        return new Builder(config);
    }

    public static String blockName(int b) {
        return "block_" + b;
    }

    public AdmConfig config() {
        return config;
    }

    public UNetLayout layout() {
        return layout;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    /** The graph variable holding the output of block b (1-based, the paper's numbering). */
    public SDVariable block(int b) {
        requireBuilt(b);
        return sd.getVariable(blockVariableName(b));
    }

    /** Name of block b's output in this graph ({@link #blockName} behind this build's name prefix). */
    public String blockVariableName(int b) {
        return namePrefix + blockName(b);
    }

    /** Name of the model output in this graph. */
    public String outputName() {
        return namePrefix + OUTPUT;
    }

    public SDVariable input() {
        return input;
    }

    public SDVariable timesteps() {
        return timesteps;
    }

    /** Whether the graph reaches the model output (false when built only up to a block). */
    public boolean hasOutput() {
        return builtBlocks == layout.numBlocks();
    }

    /** Highest block present in the graph. */
    public int builtBlocks() {
        return builtBlocks;
    }

    /**
     * Runs the graph on noised inputs and returns the requested blocks. SameDiff executes only the
     * ops the requested outputs depend on, so nothing after max(blocks) runs.
     *
     * @param xt        [N, C, S, S] noised images
     * @param timesteps [N] the t of each sample
     */
    public Map<Integer, INDArray> blocks(INDArray xt, INDArray timesteps, int... blocks) {
        String[] names = Arrays.stream(blocks).peek(this::requireBuilt).mapToObj(this::blockVariableName).toArray(String[]::new);
        Map<String, INDArray> out = sd.output(placeholders(xt, timesteps), names);
        Map<Integer, INDArray> result = new LinkedHashMap<>();
        for (int b : blocks) result.put(b, out.get(blockVariableName(b)));
        return result;
    }

    /** The full model output [N, outChannels, S, S]. */
    public INDArray forward(INDArray xt, INDArray timesteps) {
        if (!hasOutput()) throw new IllegalStateException("graph was built only up to block " + builtBlocks);
        return sd.output(placeholders(xt, timesteps), outputName()).get(outputName());
    }

    public Map<String, INDArray> placeholders(INDArray xt, INDArray timesteps) {
        int s = config.imageSize();
        if (xt.rank() != 4 || xt.size(1) != config.inChannels() || xt.size(2) != s || xt.size(3) != s) {
            throw new IllegalArgumentException("expected input [N, " + config.inChannels() + ", " + s + ", " + s + "] for "
                    + config.name() + ", got " + Arrays.toString(xt.shape()) + " (build with config.withImageSize(...) for other sizes)");
        }
        if (timesteps.length() != xt.size(0)) {
            throw new IllegalArgumentException("need one timestep per sample: " + xt.size(0) + " samples, "
                    + timesteps.length() + " timesteps");
        }
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(input.name(), xt.castTo(DataType.FLOAT));
        ph.put(this.timesteps.name(), timesteps.castTo(DataType.FLOAT).reshape(xt.size(0)));
        return ph;
    }

    private void requireBuilt(int b) {
        layout.block(b);
        if (b > builtBlocks) {
            throw new IllegalArgumentException("block " + b + " is not in this graph (built up to block " + builtBlocks + ")");
        }
    }

    /** Names of every U-Net parameter in the graph (the state_dict keys present). */
    public List<String> parameterNames() {
        return new ArrayList<>(layoutKeys(layout, builtBlocks).keySet());
    }

    private static LinkedHashMap<String, long[]> layoutKeys(UNetLayout layout, int upTo) {
        LinkedHashMap<String, long[]> keys = new LinkedHashMap<>();
        layout.timeEmbedding().addParameters(keys);
        for (UNetLayout.Block b : layout.blocks().subList(0, upTo)) b.layers().forEach(l -> l.addParameters(keys));
        if (upTo == layout.numBlocks()) layout.outputHead().addParameters(keys);
        return keys;
    }

    public static final class Builder {
        private final AdmConfig config;
        private Function<String, INDArray> weights;
        private boolean trainable;
        private int upToBlock = -1;
        private SameDiff target;
        private boolean gradientsThroughBackbone;
        private SDVariable inputVariable;
        private SDVariable timestepVariable;
        private String namePrefix = "";
        private BiFunction<Integer, SDVariable, SDVariable> blockHook = (b, h) -> h;

        private Builder(AdmConfig config) {
            this.config = Objects.requireNonNull(config);
        }

        /** Weights by state_dict key (e.g. {@code stateDict::get}); every key of the config must be present. */
        public Builder setWeights(Function<String, INDArray> weightsByKey) {
            this.weights = weightsByKey;
            return this;
        }

        /** Weights from a checkpoint; every mismatching key is reported at once, with expected and actual shape. */
        public Builder setWeights(StateDict stateDict) {
            StateDictCheck.requireMatch(stateDict, config.expectedStateDict(), config.name());
            this.weights = stateDict::get;
            return this;
        }

        /** guided-diffusion's initialisation (PyTorch defaults, zeroed output convs), seeded. */
        public Builder optRandomWeights(long seed) {
            this.weights = RandomInit.forConfig(config, seed);
            return this;
        }

        /**
         * Make the U-Net parameters trainable variables (pre-training, fine-tuning); default frozen.
         * The weight arrays are used in place, so training updates them: pass copies when the source
         * must stay unchanged.
         */
        public Builder optTrainable(boolean trainable) {
            this.trainable = trainable;
            return this;
        }

        /** Build only blocks 1..b: feature extraction that never needs the rest. */
        public Builder optUpToBlock(int b) {
            this.upToBlock = b;
            return this;
        }

        /** Build into an existing graph (e.g. one that already holds a head); default a new graph. */
        public Builder optSameDiff(SameDiff sd) {
            this.target = sd;
            return this;
        }

        /**
         * The graph will be differentiated through the frozen U-Net (e.g. DifFeed's feedback enters
         * the encoder of a second pass). Implied by {@link #optTrainable}. Costs a weight permute per
         * conv per step; leave off for feature extraction.
         */
        public Builder optGradientsThroughBackbone(boolean on) {
            this.gradientsThroughBackbone = on;
            return this;
        }

        /** Use existing graph variables as the noised input and timesteps instead of new placeholders. */
        public Builder optInputs(SDVariable x, SDVariable t) {
            this.inputVariable = x;
            this.timestepVariable = t;
            return this;
        }

        /** Prefix for this build's block and output names, so a second pass can live in the same graph. */
        public Builder optBlockNamePrefix(String prefix) {
            this.namePrefix = Objects.requireNonNull(prefix);
            return this;
        }

        /**
         * Applied to each block's output before it is named and used further (also as the decoder's skip
         * tensor): (block index, output) → the tensor that replaces it.
         */
        public Builder optBlockHook(BiFunction<Integer, SDVariable, SDVariable> hook) {
            this.blockHook = Objects.requireNonNull(hook);
            return this;
        }

        public AdmUNet build() {
            if (weights == null) throw new IllegalStateException("no weights: call setWeights(...) or optRandomWeights(seed)");
            UNetLayout layout = config.layout();
            int upTo = upToBlock < 0 ? layout.numBlocks() : upToBlock;
            layout.block(upTo);
            NativeMemory.closeReleasedArrays();
            SameDiff sd = target != null ? target : SameDiff.create();
            if (target == null) {
                // the default thread-safe holders keep a second copy of every array: 2x RSS for 553M params
                sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
            }
            GraphContext g = new GraphContext(sd, this::parameter, trainable || gradientsThroughBackbone);
            int side = config.imageSize();
            SDVariable x = inputVariable != null ? inputVariable
                    : sd.placeHolder(INPUT, DataType.FLOAT, -1, config.inChannels(), side, side);
            SDVariable t = timestepVariable != null ? timestepVariable : sd.placeHolder(TIMESTEPS, DataType.FLOAT, -1);
            SDVariable emb = layout.timeEmbedding().apply(g, t, null, 0);

            Map<Integer, SDVariable> outputs = new HashMap<>();
            SDVariable h = x;
            for (UNetLayout.Block block : layout.blocks().subList(0, upTo)) {
                if (block.skipFrom() > 0) h = sd.concat(1, h, outputs.get(block.skipFrom()));
                for (UNetLayer layer : block.layers()) {
                    h = layer.apply(g, h, emb, side);
                    side = layer.outputSide(side);
                }
                h = blockHook.apply(block.index(), h);
                String name = namePrefix + blockName(block.index());
                sd.renameVariable(h.name(), name);
                h = sd.getVariable(name);
                outputs.put(block.index(), h);
            }
            if (upTo == layout.numBlocks()) {
                SDVariable out = layout.outputHead().apply(g, h, emb, side);
                sd.renameVariable(out.name(), namePrefix + OUTPUT);
            }
            return new AdmUNet(config, layout, sd, upTo, namePrefix, x, t);
        }

        private SDVariable parameter(SameDiff sd, String key, long[] shape) {
            if (sd.hasVariable(key)) return sd.getVariable(key);
            INDArray w = weights.apply(key);
            if (w == null) throw new IllegalArgumentException("checkpoint has no key '" + key + "' (expected shape "
                    + Arrays.toString(shape) + ") for config " + config.name());
            if (!Arrays.equals(w.shape(), shape)) {
                throw new IllegalArgumentException("checkpoint key '" + key + "' has shape " + Arrays.toString(w.shape())
                        + ", expected " + Arrays.toString(shape) + " for config " + config.name());
            }
            INDArray arr = w.dataType() == DataType.FLOAT ? w : w.castTo(DataType.FLOAT);
            return trainable ? sd.var(key, arr) : sd.constant(key, arr);
        }
    }
}
