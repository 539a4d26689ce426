package org.diffrep.training.graph;

import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.heads.HeadKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Heads in the same graph as the frozen adm-tiny U-Net: gradients exist only for head variables,
 * and after an SGD step every U-Net constant is bit-identical.
 */
class BackboneGraphTest {

    static final AdmConfig TINY = AdmConfigs.get("adm-tiny");

    static HeadConfig tinyHead(HeadKind kind) {
        List<Integer> t = kind == HeadKind.DIFFORMER ? List.of(90, 150) : List.of(150);
        List<Integer> b = kind == HeadKind.DIFFORMER ? List.of(19, 24) : List.of(24);
        return HeadConfig.defaults(kind, t, b, 3).withHidden(List.of(16)).withCnnChannels(List.of(8, 8))
                .withTransformer(16, 4, 2, 1).withPoolCap(4);
    }

    @ParameterizedTest
    @EnumSource(value = HeadKind.class, names = {"LINEAR", "DIFFORMER"})
    void onlyHeadVariablesTrainAndTheBackboneStaysBitIdentical(HeadKind kind) {
        checkOnlyHeadTrains(kind);
    }

    /** DifFeed backpropagates through the frozen convs of the second U-Net pass to the feedback networks. */
    @Test
    void difFeedTrainsOnlyFeedbackAndHead() {
        checkOnlyHeadTrains(HeadKind.DIFFEED);
    }

    static void checkOnlyHeadTrains(HeadKind kind) {
        StateDict w = TestFixtures.admTinyWeights();
        HeadConfig cfg = tinyHead(kind);
        ClassifierGraph g = ClassifierGraph.onBackbone(cfg, TINY, w::get, 3);

        Map<String, INDArray> before = TestFixtures.frozenWeights(g.sameDiff(), w, g.trainableNames());

        int n = 2;
        int nt = cfg.timesteps().size();
        Nd4j.getRandom().setSeed(5);
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(AdmUNet.INPUT, Nd4j.randn(nt * n, 3, 64, 64));
        float[] ts = new float[nt * n];
        for (int i = 0; i < ts.length; i++) ts[i] = cfg.timesteps().get(i / n);
        ph.put(AdmUNet.TIMESTEPS, Nd4j.createFromArray(ts));
        ph.put(ClassifierGraph.LABELS, Nd4j.createFromArray(new float[][]{{1, 0, 0}, {0, 0, 1}}));
        if (kind == HeadKind.DIFFEED) ph.put(ClassifierGraph.BN_TRAIN, Nd4j.ones(1));

        OutAndGrad r = g.sameDiff().calculateGradientsAndOutputs(ph, List.of(ClassifierGraph.LOGITS), g.trainableNames());
        assertThat(r.getOutputs().get(ClassifierGraph.LOGITS).shape()).containsExactly(n, 3);
        assertThat(r.getGradients().keySet()).containsExactlyInAnyOrderElementsOf(g.trainableNames());
        for (String name : g.trainableNames()) {
            g.array(name).subi(r.getGradients().get(name).mul(0.1));
        }
        if (kind == HeadKind.DIFFEED) {
            assertThat(r.getGradients().get("feedback.d21.conv.weight").norm2Number().doubleValue()).isPositive();
        }
        g.sameDiff().output(ph, ClassifierGraph.LOGITS);
        before.forEach((name, arr) -> assertThat(g.array(name)).as(name).isEqualTo(arr));
    }
}
