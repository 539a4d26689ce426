package org.diffrep.tuning;

import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.List;

/**
 * Hands Arbiter's runner a fixed list of candidates in order: those drawn by the grid or random
 * generator ({@link Candidates}), minus the finished ones, grouped by t. The runner would otherwise
 * pull them straight from the generator, which neither groups by t nor knows what a previous run
 * finished.
 */
final class OrderedCandidates implements CandidateGenerator {

    private final SweepParameterSpace space;
    private final List<SweepCandidate> candidates;
    private int next;

    OrderedCandidates(SweepParameterSpace space, List<SweepCandidate> candidates) {
        this.space = space;
        this.candidates = List.copyOf(candidates);
    }

    @Override
    public boolean hasMoreCandidates() {
        return next < candidates.size();
    }

    @Override
    public Candidate getCandidate() {
        SweepCandidate c = candidates.get(next);
        return new Candidate<>(c, next++, null);
    }

    @Override
    public void reportResults(OptimizationResult result) {
        // the order is fixed up front; results go to results.jsonl from the task itself
    }

    @Override
    public ParameterSpace<?> getParameterSpace() {
        return space;
    }

    @Override
    public void setRngSeed(long seed) {
        // nothing random here: the candidates were drawn (seeded) before
    }

    @Override
    public Class<?> getCandidateType() {
        return SweepCandidate.class;
    }
}
