package org.diffrep.training.graph;

import org.diffrep.model.unet.AdmUNet;
import org.diffrep.model.unet.GraphContext;
import org.diffrep.model.unet.UNetLayer;
import org.diffrep.model.unet.UNetLayout;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * DifFeed's second U-Net forward, in the same graph as the first and on the same frozen constants:
 * the same input x_t and t, and after encoder block e computes its output, the feedback tensor for e
 * is added; the sum goes on to the next block and is the skip tensor the decoder later concatenates.
 * Walks {@link UNetLayout} the way {@link AdmUNet}'s builder does (which has no hook for this yet).
 */
final class SecondPass {
    private SecondPass() {}

    static final String PREFIX = "pass2_block_";

    /**
     * @param net       the first pass, built into the target graph; its constants are reused
     * @param additions per encoder block, the tensor to add (resized when its side differs)
     * @param upTo      last block to build
     * @return every block output of the second pass, keyed by block
     */
    static Map<Integer, SDVariable> build(AdmUNet net, Map<Integer, SDVariable> additions, int upTo) {
        SameDiff sd = net.sameDiff();
        UNetLayout layout = net.layout();
        int size = net.config().imageSize();
        GraphContext g = new GraphContext(sd, (s, key, shape) -> {
            if (!s.hasVariable(key)) throw new IllegalStateException("first pass has no parameter " + key);
            return s.getVariable(key);
        });
        SDVariable emb = layout.timeEmbedding().apply(g, net.timesteps(), null, 0);
        Map<Integer, SDVariable> out = new HashMap<>();
        SDVariable h = net.input();
        int side = size;
        for (UNetLayout.Block block : layout.blocks().subList(0, upTo)) {
            if (block.skipFrom() > 0) h = sd.concat(1, h, out.get(block.skipFrom()));
            for (UNetLayer layer : block.layers()) {
                h = layer.apply(g, h, emb, side);
                side = layer.outputSide(side);
            }
            SDVariable add = additions.get(block.index());
            if (add != null) {
                // the addition was computed from the mirror decoder block and has that block's side
                int from = layout.block(layout.numBlocks() + 1 - block.index()).side(size);
                h = h.add(resizeTo(sd, add, from, block.side(size)));
            }
            h = sd.identity(PREFIX + block.index(), h);
            out.put(block.index(), h);
        }
        return out;
    }

    /**
     * Bilinear resize with align_corners=False, as the official code does. The only mismatches in
     * the ADM tree are halvings (a decoder level's last block is already up-sampled, its mirror is the
     * encoder's down-sampling block), where that interpolation samples the centre of each 2×2 cell:
     * exactly 2×2 average pooling.
     */
    static SDVariable resizeTo(SameDiff sd, SDVariable x, int from, int to) {
        if (from == to) return x;
        if (from != 2 * to) throw new IllegalArgumentException("feedback resize " + from + " -> " + to + " is not a halving");
        return sd.cnn().avgPooling2d(x, Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2)
                .type(Pooling2D.Pooling2DType.AVG).isNHWC(false).build());
    }
}
