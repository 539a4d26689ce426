package org.diffrep.tuning;

import org.deeplearning4j.arbiter.optimize.api.AbstractParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.ArrayList;
import java.util.List;

/**
 * The sweep as an Arbiter parameter space: five leaves (t, block, pooling, lr, head) whose values
 * make a {@link SweepCandidate}. Arbiter's generators number the leaves and hand each its slot of
 * the candidate vector (grid position or uniform draw in [0, 1]).
 */
public final class SweepParameterSpace extends AbstractParameterSpace<SweepCandidate> {

    private final ParameterSpace<Integer> t;
    private final ParameterSpace<Integer> block;
    private final ParameterSpace<String> pooling;
    private final ParameterSpace<Double> lr;
    private final ParameterSpace<String> head;

    public SweepParameterSpace(SearchSpace space) {
        this.t = space.t().arbiter(space.search());
        this.block = space.blocks().arbiter(space.search());
        this.pooling = SearchSpace.discrete(space.pooling());
        this.lr = space.lr().arbiter();
        this.head = SearchSpace.discrete(space.heads());
    }

    @Override
    public SweepCandidate getValue(double[] values) {
        return new SweepCandidate(t.getValue(values), block.getValue(values), pooling.getValue(values), lr.getValue(values), head.getValue(values));
    }

    @Override
    public int numParameters() {
        return collectLeaves().stream().mapToInt(ParameterSpace::numParameters).sum();
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        List<ParameterSpace> leaves = new ArrayList<>();
        for (ParameterSpace<?> p : List.of(t, block, pooling, lr, head)) leaves.addAll(p.collectLeaves());
        return leaves;
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException("not a leaf: Arbiter indexes the leaves of this space");
    }
}
