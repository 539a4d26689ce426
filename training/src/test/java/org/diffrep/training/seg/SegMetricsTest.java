package org.diffrep.training.seg;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** mmseg's metric on cases worked out by hand. */
class SegMetricsTest {

    private static final int IGNORE = 255;

    @Test
    void sumsIntersectionsAndUnionsOverTheSplitBeforeDividing() {
        SegMetrics m = new SegMetrics(3, IGNORE);
        // image 1: class 0 right on 2 of 2, class 1 right on 1 of 2 (one predicted 0)
        m.add(new int[] {0, 0, 1, 0}, new int[] {0, 0, 1, 1});
        // image 2: class 1 right on 1 of 1, one class-0 pixel predicted 1
        m.add(new int[] {1, 1}, new int[] {1, 0});
        // class 0: I = 2, labelled 3, predicted 3 -> U = 4 -> 0.5; class 1: I = 2, labelled 3, predicted 3 -> 0.5
        // class 2: never labelled, never predicted -> no IoU, not in the mean
        SegMetrics.Result r = m.result();
        assertThat(r.iou()[0]).isCloseTo(0.5, within(1e-12));
        assertThat(r.iou()[1]).isCloseTo(0.5, within(1e-12));
        assertThat(r.iou()[2]).isNaN();
        assertThat(r.miou()).isCloseTo(0.5, within(1e-12));
        assertThat(r.pixelAccuracy()).isCloseTo(4.0 / 6, within(1e-12));
        assertThat(r.accuracy()[0]).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(r.meanAccuracy()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(r.presentClasses()).containsExactly(0, 1);
        // the per-image mean of IoUs would differ: image 1 class 1 = 1/2, image 2 class 1 = 1/2, class 0 = 2/3 and 0
        assertThat(r.miou()).isNotCloseTo((2.0 / 3 + 0 + 0.5 + 0.5) / 4, within(1e-3));
    }

    @Test
    void ignoredPixelsCountNowhereWhateverIsPredictedThere() {
        SegMetrics m = new SegMetrics(2, IGNORE);
        m.add(new int[] {0, 1, 1, 1}, new int[] {0, 1, IGNORE, IGNORE});
        SegMetrics.Result r = m.result();
        assertThat(r.iou()).containsExactly(1.0, 1.0);
        assertThat(r.pixelAccuracy()).isEqualTo(1.0);
        assertThat(r.scoredPixels()).isEqualTo(2);
    }

    @Test
    void aClassPredictedButNeverLabelledCountsWithIouZero() {
        SegMetrics m = new SegMetrics(3, IGNORE);
        m.add(new int[] {0, 2, 1}, new int[] {0, 0, 1});
        SegMetrics.Result r = m.result();
        // class 0: I 1, U 2 -> 0.5; class 1: 1.0; class 2: predicted once, never labelled -> 0, and it counts
        assertThat(r.iou()[2]).isEqualTo(0.0);
        assertThat(r.miou()).isCloseTo((0.5 + 1 + 0) / 3, within(1e-12));
        // accuracy is undefined for a class never labelled and leaves the mean accuracy
        assertThat(r.accuracy()[2]).isNaN();
        assertThat(r.meanAccuracy()).isCloseTo((0.5 + 1) / 2, within(1e-12));
    }

    @Test
    void labelsOutsideTheClassesThatAreNotTheIgnoreIndexAreRejected() {
        SegMetrics m = new SegMetrics(2, IGNORE);
        assertThatThrownBy(() -> m.add(new int[] {0}, new int[] {7})).hasMessageContaining("label 7");
        assertThatThrownBy(() -> m.add(new int[] {0, 1}, new int[] {0})).hasMessageContaining("2 predicted pixels but 1 labels");
    }
}
