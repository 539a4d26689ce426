package org.diffrep.training.knn;

import org.diffrep.model.features.Pooling;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.training.cli.Converters;
import org.diffrep.training.cli.HeadOptions;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Which features knn and cka compare: noise steps, blocks and the pooling of each block map, as
 * picocli options shared by both. Noise steps default to the model's analysis steps; blocks and
 * pooling to the command's own defaults, given when the command creates its instance.
 */
public final class TapOptions {

    @Option(names = "--t", split = ",", description = "Noise steps, comma-separated (default: the model's; adm-256-uncond 90, the paper's best;"
            + " adm-fmnist 10).")
    List<Integer> timesteps;

    @Option(names = "--blocks", split = ",", description = "U-Net blocks, comma-separated (default: knn the model's, adm-256-uncond 19, the"
            + " paper's best, adm-fmnist 10, both the middle block; cka every block of the config).")
    List<Integer> blocks;

    @Option(names = "--pool", converter = Converters.PoolingConverter.class, description = "Pooling of each block map before the cache:"
            + " global (= avg:1, the paper's pool 1 for kNN), avg:K or max:K (to K x K), none (full maps) (default ${DEFAULT-VALUE}).")
    Pooling pool;

    private final boolean everyBlockByDefault;

    /** The options with {@code pool} as the default pooling and either every block or the model's analysis block as the default blocks. */
    private TapOptions(Pooling pool, boolean everyBlockByDefault) {
        this.pool = pool;
        this.everyBlockByDefault = everyBlockByDefault;
    }

    /** kNN's defaults: the model's analysis block, globally pooled (the paper's pool 1). */
    static TapOptions forKnn() {
        return new TapOptions(Pooling.parse("global"), false);
    }

    /** CKA's defaults: every block, average-pooled to 8 x 8. */
    public static TapOptions forCka() {
        return new TapOptions(Pooling.avg(8), true);
    }

    /** Refuses noise steps outside the schedule and blocks the model does not have, before anything heavy runs. */
    public void check(AdmConfig config) {
        HeadOptions.checkTaps(config, timesteps, blocks);
    }

    public List<Integer> timesteps(AdmConfig config) {
        return timesteps != null ? timesteps : config.featureDefaults().analysis().timesteps();
    }

    public List<Integer> blocks(AdmConfig config) {
        if (blocks != null) return blocks;
        return everyBlockByDefault ? IntStream.rangeClosed(1, config.layout().numBlocks()).boxed().toList()
                : config.featureDefaults().analysis().blocks();
    }

    public Pooling pool() {
        return pool;
    }
}
