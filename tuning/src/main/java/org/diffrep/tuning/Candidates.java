package org.diffrep.tuning;

import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The candidates of a sweep, drawn from Arbiter's grid or random generator over a
 * {@link SweepParameterSpace}, without duplicates, ordered by t (stable) so the candidates sharing a
 * noise step run one after the other behind one backbone pass.
 *
 * <p>The whole list is drawn up front (the grid has {@code getTotalNumCandidates()} points, random
 * search a fixed number of seeded draws) because the feature cache must know every block a t needs
 * before its one pass, and because a rerun must produce the same list to skip finished candidates.
 */
public final class Candidates {
    private Candidates() {}

    /** Random search stops drawing after this many draws per requested candidate (a small discrete space has fewer points). */
    private static final int MAX_DRAWS_PER_CANDIDATE = 50;

    public static List<SweepCandidate> generate(SearchSpace space) {
        SweepParameterSpace ps = new SweepParameterSpace(space);
        Map<String, SweepCandidate> unique = new LinkedHashMap<>();
        if (space.search() == SearchSpace.Search.GRID) {
            GridSearchCandidateGenerator g = new GridSearchCandidateGenerator(ps, space.lr().points(),
                    GridSearchCandidateGenerator.Mode.Sequential, null);
            int total = g.getTotalNumCandidates();
            for (int i = 0; i < total; i++) add(unique, space, candidate(g.getCandidate()));
        } else {
            RandomSearchGenerator g = new RandomSearchGenerator(ps, null);
            g.setRngSeed(space.seed());
            long draws = (long) space.candidates() * MAX_DRAWS_PER_CANDIDATE;
            for (long i = 0; i < draws && unique.size() < space.candidates(); i++) add(unique, space, candidate(g.getCandidate()));
        }
        List<SweepCandidate> list = new ArrayList<>(unique.values());
        list.sort(Comparator.comparingInt(SweepCandidate::t));
        return space.candidates() > 0 && list.size() > space.candidates() ? List.copyOf(list.subList(0, space.candidates())) : List.copyOf(list);
    }

    private static SweepCandidate candidate(Candidate c) {
        if (c.getException() != null) throw new IllegalStateException("Arbiter could not build a candidate", c.getException());
        return (SweepCandidate) c.getValue();
    }

    /** The attention head's tokenizer ignores the sweep's pooling: its candidates differ only by t, block, lr. */
    private static void add(Map<String, SweepCandidate> unique, SearchSpace space, SweepCandidate c) {
        SweepCandidate n = c.head().equals("attention")
                ? new SweepCandidate(c.t(), c.block(), "tokens:" + space.headShape().poolCap(), c.lr(), c.head()) : c;
        unique.putIfAbsent(n.id(), n);
    }
}
