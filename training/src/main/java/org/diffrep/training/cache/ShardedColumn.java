package org.diffrep.training.cache;

import java.util.Arrays;
import java.util.List;

/**
 * One tap's shard files read as a single column: row i of the split is row i − offset(s) of the
 * shard s holding it, shards in order. Reads touch only the shards the requested rows are in.
 */
final class ShardedColumn implements FeatureColumn {

    private final List<CacheFile> shards;
    /** offsets[s] = rows before shard s; offsets[shards] = all rows. */
    private final int[] offsets;

    ShardedColumn(List<CacheFile> shards) {
        if (shards.isEmpty()) throw new IllegalArgumentException("a sharded column needs at least one shard");
        CacheFile first = shards.get(0);
        for (CacheFile f : shards) {
            if (f.draws() != first.draws() || f.channels() != first.channels() || f.side() != first.side()) {
                throw new IllegalArgumentException("shards of one tap differ in draws or shape");
            }
        }
        this.shards = List.copyOf(shards);
        this.offsets = new int[shards.size() + 1];
        for (int s = 0; s < shards.size(); s++) offsets[s + 1] = Math.addExact(offsets[s], shards.get(s).count());
    }

    @Override
    public int count() {
        return offsets[shards.size()];
    }

    @Override
    public int draws() {
        return shards.get(0).draws();
    }

    @Override
    public int channels() {
        return shards.get(0).channels();
    }

    @Override
    public int side() {
        return shards.get(0).side();
    }

    @Override
    public long[] ids() {
        long[] ids = new long[count()];
        for (int s = 0; s < shards.size(); s++) System.arraycopy(shards.get(s).ids(), 0, ids, offsets[s], shards.get(s).count());
        return ids;
    }

    @Override
    public int[] labels() {
        int[] labels = new int[count()];
        for (int s = 0; s < shards.size(); s++) System.arraycopy(shards.get(s).labels(), 0, labels, offsets[s], shards.get(s).count());
        return labels;
    }

    @Override
    public void read(int[] indices, int[] drawOf, float[] out) {
        int len = featureLength();
        int[] shardOf = new int[indices.length];
        int[] perShard = new int[shards.size()];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= count()) throw new IndexOutOfBoundsException("row " + indices[i] + " of " + count());
            int s = Arrays.binarySearch(offsets, indices[i]);
            // binarySearch finds an exact offset only at a shard's first row; skip empty shards that share it
            s = s >= 0 ? lastShardStartingAt(s) : -s - 2;
            shardOf[i] = s;
            perShard[s]++;
        }
        for (int s = 0; s < shards.size(); s++) {
            if (perShard[s] == 0) continue;
            int[] local = new int[perShard[s]];
            int[] draws = new int[perShard[s]];
            int[] at = new int[perShard[s]];
            int k = 0;
            for (int i = 0; i < indices.length; i++) {
                if (shardOf[i] != s) continue;
                local[k] = indices[i] - offsets[s];
                draws[k] = drawOf[i];
                at[k++] = i;
            }
            float[] part = new float[perShard[s] * len];
            shards.get(s).read(local, draws, part);
            for (int j = 0; j < k; j++) System.arraycopy(part, j * len, out, at[j] * len, len);
        }
    }

    private int lastShardStartingAt(int s) {
        while (s + 1 < shards.size() && offsets[s + 1] == offsets[s]) s++;
        return s;
    }

    @Override
    public void close() {
        shards.forEach(CacheFile::close);
    }
}
