package org.diffrep.training.cli;

import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import picocli.CommandLine.Option;

import java.util.List;

/** Options that define a head (shared by train, finetune, extract and head-info). */
public final class HeadOptions {

    @Option(names = "--head", defaultValue = "linear", description = "linear, mlp, cnn, attention, difformer or diffeed (default ${DEFAULT-VALUE}).")
    String head;

    @Option(names = "--t", split = ",", defaultValue = "150", description = "Noise steps, comma-separated (default ${DEFAULT-VALUE}; DifFormer: 90,150,300).")
    List<Integer> timesteps;

    @Option(names = "--blocks", split = ",", defaultValue = "24",
            description = "U-Net blocks 1..37 (default ${DEFAULT-VALUE}; DifFormer: 19,24,30; DifFeed: second-pass blocks).")
    List<Integer> blocks;

    @Option(names = "--pool", defaultValue = "avg:2", description = "Linear/MLP pooling: avg:K, max:K, global or none (default ${DEFAULT-VALUE}).")
    String pool;

    @Option(names = "--hidden", split = ",", defaultValue = "2048", description = "MLP hidden widths (default ${DEFAULT-VALUE}).")
    List<Integer> hidden;

    @Option(names = "--cnn-channels", split = ",", defaultValue = "1024,1024", description = "CNN conv widths a,b (default ${DEFAULT-VALUE}).")
    List<Integer> cnnChannels;

    @Option(names = "--dim", defaultValue = "1024", description = "Attention heads: token width (default ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--attn-heads", defaultValue = "8", description = "Attention heads: heads per transformer block (default ${DEFAULT-VALUE}).")
    int numHeads;

    @Option(names = "--mlp-ratio", defaultValue = "4", description = "Attention heads: MLP ratio (default ${DEFAULT-VALUE}).")
    double mlpRatio;

    @Option(names = "--depth", defaultValue = "2", description = "Attention heads: transformer blocks (default ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--pool-cap", defaultValue = "16", description = "Attention heads: tokenizer pools maps to at most this side (default ${DEFAULT-VALUE}).")
    int poolCap;

    @Option(names = "--feedback", defaultValue = "bottleneck",
            description = "DifFeed feedback blocks: bottleneck, all, windowed or a list of decoder blocks (default ${DEFAULT-VALUE}).")
    String feedback;

    @Option(names = "--standardize", description = "Standardise every input feature with the training split's mean and standard deviation"
            + " (measured at the start of training, saved with the head; needs cached features; not in the paper).")
    boolean standardize;

    public HeadKind kind() {
        return HeadKind.parse(head);
    }

    public HeadConfig build(int numClasses) {
        return new HeadConfig(kind(), timesteps, blocks, pool, hidden, cnnChannels, dim, numHeads, mlpRatio, depth, poolCap,
                feedback, numClasses, standardize);
    }
}
