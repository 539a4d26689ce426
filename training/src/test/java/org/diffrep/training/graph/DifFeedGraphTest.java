package org.diffrep.training.graph;

import org.diffrep.model.checkpoint.StateDict;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.heads.Feedback;
import org.diffrep.training.heads.HeadKind;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** DifFeed's second pass on adm-tiny: without feedback it recomputes the first pass; with feedback it differs. */
class DifFeedGraphTest {

    @Test
    void secondPassEqualsFirstWithoutFeedbackAndDiffersWithIt() {
        StateDict w = TestFixtures.admTinyWeights();
        ClassifierGraph g = ClassifierGraph.onBackbone(BackboneGraphTest.tinyHead(HeadKind.DIFFEED), BackboneGraphTest.TINY, w::get, 3);
        Nd4j.getRandom().setSeed(9);
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(AdmUNet.INPUT, Nd4j.randn(2, 3, 64, 64));
        ph.put(AdmUNet.TIMESTEPS, Nd4j.createFromArray(150f, 150f));
        ph.put(ClassifierGraph.BN_TRAIN, Nd4j.ones(1));
        String first = AdmUNet.blockName(24);
        String second = Feedback.SECOND_PASS_PREFIX + AdmUNet.blockName(24);

        // BatchNorm scale and shift 0: every feedback tensor is ReLU(0) = 0
        Map<String, INDArray> saved = new HashMap<>();
        for (String name : g.trainableNames()) {
            if (name.contains(".bn.")) {
                saved.put(name, g.array(name).dup());
                g.array(name).assign(0);
            }
        }
        Map<String, INDArray> out = g.sameDiff().output(ph, first, second, ClassifierGraph.LOGITS);
        assertThat(out.get(ClassifierGraph.LOGITS).shape()).containsExactly(2, 3);
        assertThat(out.get(second).equalsWithEps(out.get(first), 1e-5)).isTrue();

        saved.forEach((name, arr) -> g.array(name).assign(arr));
        Map<String, INDArray> fed = g.sameDiff().output(ph, first, second);
        assertThat(fed.get(first).equalsWithEps(out.get(first), 1e-6)).isTrue();
        assertThat(fed.get(second).equalsWithEps(fed.get(first), 1e-3)).isFalse();

        ph.put(ClassifierGraph.BN_TRAIN, Nd4j.zeros(1));
        INDArray evalMode = g.sameDiff().output(ph, second).get(second);
        assertThat(evalMode.equalsWithEps(fed.get(second), 1e-4)).as("running statistics differ from batch statistics").isFalse();
    }
}
