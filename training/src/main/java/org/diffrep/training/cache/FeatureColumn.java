package org.diffrep.training.cache;

/**
 * The cached features of one {@link org.diffrep.model.features.Tap} for every image of a split, row
 * i being the split's i-th stored image: one {@link CacheFile}, or the shards of a sharded
 * extraction read as one ({@link ShardedColumn}).
 */
public interface FeatureColumn extends AutoCloseable {

    /** Images stored (a sharded split leaves out images its source could not read). */
    int count();

    int draws();

    int channels();

    /** Side of the stored maps. */
    int side();

    default int featureLength() {
        return channels() * side() * side();
    }

    /** Image id of every row. */
    long[] ids();

    /** Label of every row. */
    int[] labels();

    /** Reads rows {@code indices} (draw {@code drawOf[i]} for each) into {@code out}, back to back. */
    void read(int[] indices, int[] drawOf, float[] out);

    @Override
    void close();
}
