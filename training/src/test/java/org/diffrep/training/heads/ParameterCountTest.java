package org.diffrep.training.heads;

import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.training.graph.ClassifierGraph;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Parameter counts with the paper's dimensions against docs/method.md §2 (no backbone built). */
class ParameterCountTest {

    private static final AdmConfig ADM256 = AdmConfigs.get("adm-256-uncond");

    private static ParameterCount count(HeadConfig h) {
        return ClassifierGraph.countParameters(h, ADM256);
    }

    private static HeadConfig head(HeadKind kind, List<Integer> t, List<Integer> b, int k) {
        return HeadConfig.defaults(kind, t, b, k);
    }

    @Test
    void linearProbeOnB24Pooled2x2() {
        assertThat(count(head(HeadKind.LINEAR, List.of(150), List.of(24), 1000)).total()).isEqualTo(4_097_000L);
        assertThat(count(head(HeadKind.LINEAR, List.of(150), List.of(24), 1000).withPooling("avg:4")).total())
                .isEqualTo(16_384L * 1000 + 1000);
    }

    @Test
    void mlpAsInTable11() {
        HeadConfig mlp = head(HeadKind.MLP, List.of(90), List.of(24), 1000).withHidden(List.of(2048, 2048));
        assertThat(count(mlp).total()).isEqualTo(4096L * 2048 + 2048 + 2048L * 2048 + 2048 + 2048L * 1000 + 1000);
    }

    @Test
    void cnnHeadCountsItsTwoConvsAndClassifier() {
        HeadConfig cnn = head(HeadKind.CNN, List.of(90), List.of(24), 1000).withCnnChannels(List.of(1024, 1024));
        long expected = 1024L * 1024 * 9 + 1024 + 1024L * 1024 + 1024 + 1024L * 1000 + 1000;
        assertThat(count(cnn).total()).isEqualTo(expected);
    }

    @Test
    void attentionHeadMatchesOfficial() {
        assertThat(count(head(HeadKind.ATTENTION, List.of(150), List.of(24), 1000)).total()).isEqualTo(27_786_216L);
        assertThat(count(head(HeadKind.ATTENTION, List.of(150), List.of(24), 1000).withTransformer(1024, 8, 4, 1)).total())
                .isEqualTo(15_193_064L);
        assertThat(count(head(HeadKind.ATTENTION, List.of(150), List.of(24), 1000).withTransformer(1024, 8, 4, 4)).total())
                .isEqualTo(52_972_520L);
        assertThat(count(head(HeadKind.ATTENTION, List.of(150), List.of(24), 50)).total()).isEqualTo(26_812_466L);
    }

    @Test
    void difformerMatchesOfficial() {
        HeadConfig h = head(HeadKind.DIFFORMER, List.of(90, 150, 300), List.of(19, 24, 30), 1000);
        assertThat(count(h).total()).isEqualTo(31_802_344L);
    }

    @Test
    void difFeedHeadPlusFeedbackMatchesOfficial() {
        ParameterCount c = count(head(HeadKind.DIFFEED, List.of(150), List.of(24), 1000));
        assertThat(c.feedback()).isEqualTo(2_759_680L);
        assertThat(c.total()).isEqualTo(30_545_896L);
        HeadConfig h = head(HeadKind.DIFFEED, List.of(150), List.of(24), 1000);
        assertThat(count(h.withFeedback("all")).feedback()).isEqualTo(7_622_144L);
        assertThat(count(h.withFeedback("windowed")).feedback()).isEqualTo(5_253_120L);
    }

    @Test
    void feedbackStrategiesNameTheOfficialBlocks() {
        var layout = ADM256.layout();
        assertThat(Feedback.decoderBlocks("bottleneck", layout)).containsExactly(21, 24, 27, 30, 33, 36);
        assertThat(Feedback.decoderBlocks("windowed", layout)).containsExactly(20, 21, 22, 23, 24);
        assertThat(Feedback.decoderBlocks("all", layout)).hasSize(18);
        assertThat(Feedback.mirror(24, layout)).isEqualTo(14);
    }
}
