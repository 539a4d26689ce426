package org.diffrep.tuning;

import org.diffrep.model.checkpoint.Checkpoints;
import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.cache.BackboneExtractor;
import org.diffrep.training.data.GeneratedSquares;

import java.nio.file.Path;

/** The adm-tiny fixture (real weights, 37 blocks, 64 px) and a generated 4-class image set for sweep tests. */
final class TinySweep {
    private TinySweep() {}

    static final Path CHECKPOINT = Path.of("../model-import/src/test/resources/adm-tiny/model.npz");
    static final int TRAIN = 16;
    static final int EVAL = 8;

    /** 2 t × 2 blocks × 2 poolings, linear heads, 2 epochs. */
    static final String SPACE = """
            t: [150, 50]
            blocks: [2, 4]
            pooling: [avg:2, global]
            lr: [0.01]
            head: [linear]
            train: {epochs: 2, batch: 8}
            data: {extract_batch: 8}
            """;

    private static StateDict weights;

    static synchronized BackboneExtractor backbone() {
        if (weights == null) weights = Checkpoints.read(CHECKPOINT);
        AdmUNet net = AdmUNet.builder(AdmConfigs.get("adm-tiny")).setWeights(weights::get).optUpToBlock(4).build();
        return new BackboneExtractor(net, "adm-tiny-fixture");
    }

    static GeneratedSquares train() {
        return new GeneratedSquares(64, TRAIN, 4, 1);
    }

    static GeneratedSquares eval() {
        return new GeneratedSquares(64, EVAL, 4, 2);
    }
}
