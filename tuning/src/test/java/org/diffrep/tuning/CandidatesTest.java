package org.diffrep.tuning;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class CandidatesTest {

    @Test
    void gridProducesTheDeclaredGridExactlyOnceEachGroupedByT() {
        SearchSpace s = SearchSpace.parse("""
                t: [150, 50]
                blocks: 2..4
                pooling: [avg:2, global]
                lr: [1e-3, 1e-2]
                head: [linear, mlp]
                """);
        List<SweepCandidate> got = Candidates.generate(s);
        Set<List<Object>> expected = new HashSet<>();
        for (int t : List.of(50, 150)) {
            for (int b : List.of(2, 3, 4)) {
                for (String p : List.of("avg:2", "avg:1")) {
                    for (double lr : List.of(1e-3, 1e-2)) {
                        for (String h : List.of("linear", "mlp")) expected.add(List.of(t, b, p, lr, h));
                    }
                }
            }
        }
        List<List<Object>> tuples = got.stream().map(c -> List.<Object>of(c.t(), c.block(), c.pool(), c.lr(), c.head())).toList();
        assertThat(tuples).hasSize(48).doesNotHaveDuplicates();
        assertThat(new HashSet<>(tuples)).isEqualTo(expected);
        List<Integer> ts = got.stream().map(SweepCandidate::t).toList();
        List<Integer> sorted = new ArrayList<>(ts);
        sorted.sort(Integer::compare);
        assertThat(ts).isEqualTo(sorted);
    }

    @Test
    void gridOverALogRangeOfLearningRatesUsesLogSpacedPoints() {
        SearchSpace s = SearchSpace.parse("""
                t: 100
                blocks: {min: 5, max: 9, step: 2}
                lr: {min: 1.0e-4, max: 1.0e-2, points: 3}
                """);
        List<SweepCandidate> got = Candidates.generate(s);
        assertThat(got).hasSize(9);
        assertThat(got.stream().map(SweepCandidate::block).distinct().sorted().toList()).containsExactly(5, 7, 9);
        assertThat(got.stream().map(SweepCandidate::lr).distinct().sorted().toList())
                .satisfiesExactly(a -> assertThat(a).isCloseTo(1e-4, org.assertj.core.data.Percentage.withPercentage(1e-6)),
                        b -> assertThat(b).isCloseTo(1e-3, org.assertj.core.data.Percentage.withPercentage(1e-6)),
                        c -> assertThat(c).isCloseTo(1e-2, org.assertj.core.data.Percentage.withPercentage(1e-6)));
    }

    @Test
    void randomSearchIsSeededDistinctAndInsideTheSpace() {
        String yaml = """
                search: random
                candidates: 20
                seed: 7
                t: {min: 10, max: 900}
                blocks: 1..37
                pooling: [avg:2, max:2, global]
                lr: {min: 1.0e-4, max: 1.0e-1}
                head: [linear, mlp]
                """;
        List<SweepCandidate> a = Candidates.generate(SearchSpace.parse(yaml));
        List<SweepCandidate> b = Candidates.generate(SearchSpace.parse(yaml));
        assertThat(a).hasSize(20).isEqualTo(b);
        assertThat(a.stream().map(SweepCandidate::id).toList()).doesNotHaveDuplicates();
        assertThat(a).allSatisfy(c -> {
            assertThat(c.t()).isBetween(10, 900);
            assertThat(c.block()).isBetween(1, 37);
            assertThat(c.lr()).isBetween(1e-4, 1e-1);
            assertThat(c.pool()).isIn("avg:2", "max:2", "avg:1");
        });
        assertThat(Candidates.generate(SearchSpace.parse(yaml.replace("seed: 7", "seed: 8")))).isNotEqualTo(a);
    }

    @Test
    void randomSearchOverASmallSpaceStopsAtItsSize() {
        List<SweepCandidate> got = Candidates.generate(SearchSpace.parse("""
                search: random
                candidates: 50
                t: [50, 150]
                blocks: [3]
                """));
        assertThat(got).hasSize(2);
    }

    @Test
    void attentionCandidatesIgnoreThePoolingDimension() {
        List<SweepCandidate> got = Candidates.generate(SearchSpace.parse("""
                t: [50]
                blocks: [3, 4]
                pooling: [avg:2, max:2]
                head: [linear, attention]
                heads: {pool_cap: 8}
                """));
        assertThat(got).hasSize(6);
        assertThat(got.stream().filter(c -> c.head().equals("attention")).map(SweepCandidate::pool).distinct().toList()).containsExactly("tokens:8");
    }

    @Test
    void storedPoolingServesEveryCandidateOfABlock() {
        var avg2 = org.diffrep.model.features.Pooling.avg(2);
        var avg4 = org.diffrep.model.features.Pooling.avg(4);
        var max2 = org.diffrep.model.features.Pooling.max(2);
        var global = org.diffrep.model.features.Pooling.avg(1);
        assertThat(StoredPooling.choose(List.of(avg2), 16)).isEqualTo(avg2);
        assertThat(StoredPooling.choose(List.of(avg2, global, avg4), 16)).isEqualTo(avg4);
        assertThat(StoredPooling.choose(List.of(avg2, max2), 16)).isEqualTo(org.diffrep.model.features.Pooling.NONE);
        assertThat(StoredPooling.choose(List.of(avg2, org.diffrep.model.features.Pooling.avg(3)), 16)).isEqualTo(org.diffrep.model.features.Pooling.NONE);
        assertThat(StoredPooling.choose(List.of(avg2, avg4), 4)).isEqualTo(org.diffrep.model.features.Pooling.NONE);
    }
}
