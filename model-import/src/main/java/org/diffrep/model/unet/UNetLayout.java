package org.diffrep.model.unet;

import org.diffrep.common.UserInputException;
import org.diffrep.model.runtime.MemoryNeed;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

/**
 * The module tree of guided-diffusion's {@code UNetModel} for one config: the time embedding, the
 * numbered blocks (b = 1..N: input blocks, the middle block, output blocks — the paper's numbering)
 * and the output head. Built once by the same loop as {@code UNetModel.__init__}, so state_dict keys,
 * block table and graph all come from one place.
 */
public final class UNetLayout {

    private final AdmConfig config;
    private final TimeEmbedding timeEmbedding;
    private final List<Block> blocks;
    private final OutputHead outputHead;

    private UNetLayout(AdmConfig config, TimeEmbedding timeEmbedding, List<Block> blocks, OutputHead outputHead) {
        this.config = config;
        this.timeEmbedding = timeEmbedding;
        this.blocks = List.copyOf(blocks);
        this.outputHead = outputHead;
    }

    /**
     * One numbered block: the output of {@code module} is the feature of block {@code index}.
     *
     * @param skipFrom for decoder blocks, the encoder block whose output is concatenated after the
     *                 decoder tensor at the block's input; 0 otherwise
     * @param downsample total downsampling factor of the block's output relative to the input image
     */
    public record Block(int index, String module, List<UNetLayer> layers, int outChannels, int downsample, int skipFrom) {
        public int side(int imageSize) {
            return imageSize / downsample;
        }

        public long parameterCount() {
            LinkedHashMap<String, long[]> params = new LinkedHashMap<>();
            layers.forEach(l -> l.addParameters(params));
            return params.values().stream().mapToLong(UNetLayout::numel).sum();
        }

        public String describe() {
            return String.join(" + ", layers.stream().map(UNetLayer::describe).toList());
        }

    }

    static UNetLayout of(AdmConfig c) {
        int embDim = c.timeEmbedDim();
        List<Integer> attentionDs = c.attentionDownsampleFactors();
        List<Block> blocks = new ArrayList<>();
        Deque<int[]> skips = new ArrayDeque<>(); // {block index, channels}

        int ch = c.levelChannels(0);
        int ds = 1;
        blocks.add(new Block(1, "input_blocks.0", List.of(new UNetLayer.Conv3x3("input_blocks.0.0", c.inChannels(), ch)), ch, ds, 0));
        skips.push(new int[]{1, ch});

        for (int level = 0; level < c.numLevels(); level++) {
            for (int r = 0; r < c.numResBlocks(); r++) {
                String module = "input_blocks." + blocks.size();
                int out = c.levelChannels(level);
                List<UNetLayer> layers = new ArrayList<>();
                layers.add(resBlock(c, module + ".0", ch, out, UNetLayer.Resample.NONE));
                ch = out;
                if (attentionDs.contains(ds)) layers.add(attention(c, module + ".1", ch, c.numHeads()));
                blocks.add(new Block(blocks.size() + 1, module, layers, ch, ds, 0));
                skips.push(new int[]{blocks.size(), ch});
            }
            if (level != c.numLevels() - 1) {
                String module = "input_blocks." + blocks.size();
                UNetLayer down = c.resblockUpdown()
                        ? resBlock(c, module + ".0", ch, ch, UNetLayer.Resample.DOWN)
                        : new UNetLayer.Downsample(module + ".0", ch, c.convResample());
                ds *= 2;
                blocks.add(new Block(blocks.size() + 1, module, List.of(down), ch, ds, 0));
                skips.push(new int[]{blocks.size(), ch});
            }
        }

        blocks.add(new Block(blocks.size() + 1, "middle_block", List.of(
                resBlock(c, "middle_block.0", ch, ch, UNetLayer.Resample.NONE),
                attention(c, "middle_block.1", ch, c.numHeads()),
                resBlock(c, "middle_block.2", ch, ch, UNetLayer.Resample.NONE)), ch, ds, 0));

        int outputIndex = 0;
        int headsUp = c.numHeadsUpsample() == -1 ? c.numHeads() : c.numHeadsUpsample();
        for (int level = c.numLevels() - 1; level >= 0; level--) {
            for (int i = 0; i <= c.numResBlocks(); i++) {
                int[] skip = skips.pop();
                String module = "output_blocks." + outputIndex++;
                int out = c.levelChannels(level);
                List<UNetLayer> layers = new ArrayList<>();
                layers.add(resBlock(c, module + ".0", ch + skip[1], out, UNetLayer.Resample.NONE));
                ch = out;
                if (attentionDs.contains(ds)) layers.add(attention(c, module + "." + layers.size(), ch, headsUp));
                if (level > 0 && i == c.numResBlocks()) {
                    String prefix = module + "." + layers.size();
                    layers.add(c.resblockUpdown()
                            ? resBlock(c, prefix, ch, ch, UNetLayer.Resample.UP)
                            : new UNetLayer.Upsample(prefix, ch, c.convResample()));
                    ds /= 2;
                }
                blocks.add(new Block(blocks.size() + 1, module, layers, ch, ds, skip[0]));
            }
        }
        return new UNetLayout(c, new TimeEmbedding(c.modelChannels(), embDim),
                blocks, new OutputHead(ch, c.outChannels(), c.groupNormGroups(), c.groupNormEps()));
    }

    private static UNetLayer.ResBlock resBlock(AdmConfig c, String prefix, int in, int out, UNetLayer.Resample resample) {
        return new UNetLayer.ResBlock(prefix, in, out, c.timeEmbedDim(), resample, c.useScaleShiftNorm(),
                c.groupNormGroups(), c.groupNormEps());
    }

    private static UNetLayer.Attention attention(AdmConfig c, String prefix, int channels, int numHeads) {
        int heads = c.numHeadChannels() == -1 ? numHeads : channels / c.numHeadChannels();
        if (channels % heads != 0) {
            throw new IllegalArgumentException("invalid ADM config: " + channels + " channels do not split into " + heads + " heads");
        }
        return new UNetLayer.Attention(prefix, channels, heads, c.useNewAttentionOrder(), c.groupNormGroups(), c.groupNormEps());
    }

    public AdmConfig config() {
        return config;
    }

    public TimeEmbedding timeEmbedding() {
        return timeEmbedding;
    }

    public List<Block> blocks() {
        return blocks;
    }

    public int numBlocks() {
        return blocks.size();
    }

    public Block block(int index) {
        if (index < 1 || index > blocks.size()) {
            throw new UserInputException("block " + index + " does not exist: " + config.name() + " has blocks 1.." + blocks.size());
        }
        return blocks.get(index - 1);
    }

    /** The paper's middle block index (19 for the 6-level models). */
    public int middleBlock() {
        return blocks.stream().filter(b -> b.module().equals("middle_block")).findFirst().orElseThrow().index();
    }

    public OutputHead outputHead() {
        return outputHead;
    }

    public LinkedHashMap<String, long[]> expectedStateDict() {
        LinkedHashMap<String, long[]> params = new LinkedHashMap<>();
        timeEmbedding.addParameters(params);
        blocks.forEach(b -> b.layers().forEach(l -> l.addParameters(params)));
        outputHead.addParameters(params);
        return params;
    }

    /**
     * Conv and matmul FLOPs for one sample up to and including block {@code upTo} (the model output
     * head too when {@code upTo} is the last block).
     */
    public long flops(int imageSize, int upTo) {
        return sumOverLayers(imageSize, upTo, UNetLayer::flops);
    }

    /** The conv2d share of {@link #flops}. */
    public long convFlops(int imageSize, int upTo) {
        return sumOverLayers(imageSize, upTo, UNetLayer::convFlops);
    }

    private long sumOverLayers(int imageSize, int upTo, java.util.function.ToLongBiFunction<UNetLayer, Integer> cost) {
        long f = cost.applyAsLong(timeEmbedding, 0);
        int side = imageSize;
        for (Block b : blocks.subList(0, upTo)) {
            for (UNetLayer l : b.layers()) {
                f += cost.applyAsLong(l, side);
                side = l.outputSide(side);
            }
        }
        if (upTo == blocks.size()) f += cost.applyAsLong(outputHead, side);
        return f;
    }

    /**
     * A lower bound of the memory a forward of {@code images} images up to block {@code upTo} needs:
     * the weights (fp32, the whole state dict, as it is read before the graph is built) and, at the
     * busiest block, the outputs the decoder's skip connections keep alive plus the block's input and
     * output. Temporaries inside a block (normalisations, attention scores) come on top.
     */
    public MemoryNeed forwardNeed(long images, int upTo) {
        long peak = 0;
        for (int k = 1; k <= upTo; k++) {
            long live = activation(images, k) + (k > 1 ? activation(images, k - 1) : 0);
            for (Block consumer : blocks.subList(k - 1, upTo)) {
                int skip = consumer.skipFrom();
                // outputs of earlier blocks that a block at k or later concatenates; the input of k is counted already
                if (skip > 0 && skip < k - 1) live = MemoryNeed.sum(live, activation(images, skip));
            }
            peak = Math.max(peak, live);
        }
        long weights = MemoryNeed.product(parameterCount(), Float.BYTES);
        return new MemoryNeed(String.format(Locale.ROOT, "one %s forward of %,d images up to block %d", config.name(), images, upTo),
                0, MemoryNeed.sum(weights, peak), 0);
    }

    /** Bytes of block {@code index}'s output for {@code images} images. */
    private long activation(long images, int index) {
        Block b = block(index);
        long side = b.side(config.imageSize());
        return MemoryNeed.product(images, b.outChannels(), side, side, Float.BYTES);
    }

    public long parameterCount() {
        return expectedStateDict().values().stream().mapToLong(UNetLayout::numel).sum();
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }
}
