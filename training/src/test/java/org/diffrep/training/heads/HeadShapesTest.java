package org.diffrep.training.heads;

import org.diffrep.training.graph.ClassifierGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every cacheable head builds on small feature maps, produces [N, K] logits and gets a gradient for each parameter. */
class HeadShapesTest {

    static HeadConfig small(HeadKind kind) {
        List<Integer> t = kind == HeadKind.DIFFORMER ? List.of(90, 150) : List.of(150);
        List<Integer> b = kind == HeadKind.DIFFORMER || kind == HeadKind.LINEAR ? List.of(19, 24) : List.of(24);
        return HeadConfig.defaults(kind, t, b, 5).withHidden(List.of(16)).withCnnChannels(List.of(8, 6))
                .withTransformer(16, 4, 2, 2).withPoolCap(2);
    }

    @ParameterizedTest
    @EnumSource(value = HeadKind.class, names = {"LINEAR", "MLP", "CNN", "ATTENTION", "DIFFORMER"})
    void logitsAndGradients(HeadKind kind) {
        HeadConfig cfg = small(kind);
        Map<Integer, ClassifierGraph.Shape> shapes = Map.of(19, new ClassifierGraph.Shape(12, 2), 24, new ClassifierGraph.Shape(8, 4));
        ClassifierGraph g = ClassifierGraph.onFeatures(cfg, shapes, 7);
        int n = 3;
        int nt = cfg.timesteps().size();
        Map<String, INDArray> ph = new HashMap<>();
        Nd4j.getRandom().setSeed(1);
        for (int b : cfg.blocks()) {
            ClassifierGraph.Shape s = shapes.get(b);
            ph.put(ClassifierGraph.featureName(b), Nd4j.randn(nt * n, s.channels(), s.side(), s.side()));
        }
        INDArray labels = Nd4j.zeros(n, 5);
        for (int i = 0; i < n; i++) labels.putScalar(i, i % 5, 1);
        ph.put(ClassifierGraph.LABELS, labels);
        OutAndGrad r = g.sameDiff().calculateGradientsAndOutputs(ph, List.of(ClassifierGraph.LOGITS, ClassifierGraph.LOSS), g.trainableNames());
        assertThat(r.getOutputs().get(ClassifierGraph.LOGITS).shape()).containsExactly(n, 5);
        assertThat(r.getOutputs().get(ClassifierGraph.LOSS).getDouble(0)).isPositive();
        for (String name : g.trainableNames()) {
            INDArray grad = r.getGradients().get(name);
            assertThat(grad).as(name).isNotNull();
            assertThat(grad.shape()).as(name).containsExactly(g.array(name).shape());
        }
        assertThat(r.getGradients().get(g.trainableNames().get(0)).norm2Number().doubleValue()).isPositive();
        assertThat(g.parameterCount().total()).isEqualTo(g.trainableNames().stream().mapToLong(s -> g.array(s).length()).sum());
    }
}
