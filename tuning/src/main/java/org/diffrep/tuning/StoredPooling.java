package org.diffrep.tuning;

import org.diffrep.model.features.Pooling;
import org.diffrep.training.heads.HeadKind;

import java.math.BigInteger;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What the feature cache stores for one block so that every candidate on it can be served from one
 * file: the single pooling all of them use; for several poolings of one kind (avg or max) whose
 * sizes all divide a common size L that divides the map side, that kind at L (pooling L→k after
 * side→L equals side→k exactly, cells being unions of whole cells); otherwise the unpooled map.
 */
final class StoredPooling {
    private StoredPooling() {}

    /** The pooling a candidate's head applies to the block map, as its kind declares it ({@link HeadKind#inputPooling}). */
    static Pooling need(SweepCandidate c, int side, int poolCap) {
        HeadKind kind = HeadKind.parse(c.head());
        return kind.inputPooling(kind.isAttention() ? Pooling.NONE : Pooling.parse(c.pool()), poolCap, side);
    }

    static Pooling choose(Collection<Pooling> needs, int side) {
        Set<Pooling> distinct = new LinkedHashSet<>(needs);
        if (distinct.size() == 1) return distinct.iterator().next();
        Pooling.Type type = null;
        long lcm = 1;
        for (Pooling p : distinct) {
            if (p.type() == Pooling.Type.NONE || (type != null && p.type() != type)) return Pooling.NONE;
            type = p.type();
            lcm = BigInteger.valueOf(lcm).multiply(BigInteger.valueOf(p.size())).divide(BigInteger.valueOf(lcm).gcd(BigInteger.valueOf(p.size()))).longValue();
            if (lcm >= side) return Pooling.NONE;
        }
        return side % lcm == 0 ? new Pooling(type, (int) lcm) : Pooling.NONE;
    }
}
