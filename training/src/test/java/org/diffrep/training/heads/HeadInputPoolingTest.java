package org.diffrep.training.heads;

import org.diffrep.model.features.Pooling;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HeadInputPoolingTest {

    private static HeadConfig head(HeadKind kind) {
        return HeadConfig.defaults(kind, List.of(150), List.of(24), 4).withPooling("avg:4").withPoolCap(8);
    }

    @Test
    void eachKindDeclaresThePoolingItsFirstLayerApplies() {
        assertThat(head(HeadKind.LINEAR).inputPooling(16)).isEqualTo(Pooling.avg(4));
        assertThat(head(HeadKind.MLP).inputPooling(16)).isEqualTo(Pooling.avg(4));
        assertThat(head(HeadKind.CNN).inputPooling(16)).isEqualTo(Pooling.NONE);
        assertThat(head(HeadKind.ATTENTION).inputPooling(16)).isEqualTo(Pooling.avg(8));
        assertThat(head(HeadKind.DIFFORMER).inputPooling(4)).isEqualTo(Pooling.avg(4));
    }

    @Test
    void inputSideFollowsTheDeclaredPooling() {
        assertThat(head(HeadKind.LINEAR).inputSide(16)).isEqualTo(4);
        assertThat(head(HeadKind.CNN).inputSide(16)).isEqualTo(16);
        assertThat(head(HeadKind.ATTENTION).inputSide(16)).isEqualTo(8);
        assertThat(head(HeadKind.ATTENTION).inputSide(4)).isEqualTo(4);
    }
}
