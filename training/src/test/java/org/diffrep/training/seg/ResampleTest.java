package org.diffrep.training.seg;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The matrix resizes against values PyTorch gives (F.interpolate bilinear, align_corners=False; AdaptiveAvgPool2d). */
class ResampleTest {

    @Test
    void bilinearUpsamplingMatchesPyTorch() {
        // F.interpolate(torch.tensor([[[[0., 1.]]]]) along one axis 2 -> 4: [0, 0.25, 0.75, 1]
        float[][] m = Resample.bilinear(2, 4);
        float[] x = {0, 1};
        float[] expected = {0f, 0.25f, 0.75f, 1f};
        for (int i = 0; i < 4; i++) assertThat(m[i][0] * x[0] + m[i][1] * x[1]).isCloseTo(expected[i], within(1e-6f));
        // 4 -> 2 downsampling averages neighbour pairs: [0, 1, 2, 3] -> [0.5, 2.5]
        float[][] d = Resample.bilinear(4, 2);
        assertThat(d[0]).containsExactly(0.5f, 0.5f, 0f, 0f);
        assertThat(d[1]).containsExactly(0f, 0f, 0.5f, 0.5f);
    }

    @Test
    void adaptiveAveragePoolingUsesPyTorchsOverlappingCells() {
        // AdaptiveAvgPool1d(3) of length 4: cells [0,2), [1,3), [2,4)
        float[][] m = Resample.adaptiveAverage(4, 3);
        assertThat(m[0]).containsExactly(0.5f, 0.5f, 0f, 0f);
        assertThat(m[1]).containsExactly(0f, 0.5f, 0.5f, 0f);
        assertThat(m[2]).containsExactly(0f, 0f, 0.5f, 0.5f);
        // pooling 2 -> 6 repeats: cell i is [floor(i/3), ceil((i+1)/3))
        float[][] up = Resample.adaptiveAverage(2, 6);
        assertThat(up[2]).containsExactly(1f, 0f);
        assertThat(up[3]).containsExactly(0f, 1f);
    }

    @Test
    void graphResizeActsOnBothAxesOfEveryChannel() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 2, 2, 2);
        Resample.bilinear(sd, x, 2, 2, 4).rename("y");
        // channel 0 varies along W, channel 1 along H
        INDArray in = Nd4j.createFromArray(new float[] {0, 1, 0, 1, 0, 0, 1, 1}).reshape(1, 2, 2, 2);
        INDArray y = sd.output(Map.of("x", in), "y").get("y");
        assertThat(y.shape()).containsExactly(1, 2, 4, 4);
        float[] ramp = {0f, 0.25f, 0.75f, 1f};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(y.getFloat(0, 0, i, j)).isCloseTo(ramp[j], within(1e-6f));
                assertThat(y.getFloat(0, 1, i, j)).isCloseTo(ramp[i], within(1e-6f));
            }
        }
    }
}
