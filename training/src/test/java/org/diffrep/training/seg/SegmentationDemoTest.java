package org.diffrep.training.seg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.datasets.DatasetRegistry;
import org.diffrep.datasets.ImageDataset;
import org.diffrep.model.checkpoint.NpzWriter;
import org.diffrep.model.unet.AdmConfig;
import org.diffrep.model.unet.AdmConfigs;
import org.diffrep.model.unet.AdmUNet;
import org.diffrep.training.data.FashionMnistImages;
import org.diffrep.training.data.ShippedFiles;
import org.diffrep.training.train.Feeder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The segmentation demo end to end on the shipped Fashion-MNIST, a few dozen images and a randomly initialised adm-fmnist. */
class SegmentationDemoTest {

    @TempDir
    Path dir;

    static ImageDataset shippedFashionMnist() {
        return DatasetRegistry.open("fashion-mnist", ShippedFiles.find(ShippedFiles.DATA));
    }

    @Test
    void pixelsAboveTheThresholdCarryTheGarmentAndTheRestIsBackground() {
        ImageDataset ds = shippedFashionMnist();
        FashionMnistSegData data = new FashionMnistSegData(FashionMnistImages.of(ds, "test", false), ds.classNames());
        assertThat(data.numClasses()).isEqualTo(11);
        assertThat(data.classNames().get(0)).isEqualTo("background");
        SegData.EvalBatch b = data.evalBatch(Feeder.range(0, 4));
        float[] px = b.images().dup('c').data().asFloat();
        int plane = 32 * 32;
        for (int i = 0; i < 4; i++) {
            int garment = FashionMnistImages.of(ds, "test", false).label(i) + 1;
            int[] labels = b.targets().get(i).labels();
            int foreground = 0;
            for (int p = 0; p < plane; p++) {
                int value = Math.round((px[i * plane + p] + 1) * 127.5f);
                assertThat(labels[p]).isEqualTo(value > FashionMnistSegData.FOREGROUND_THRESHOLD ? garment : 0);
                if (labels[p] != 0) foreground++;
            }
            // a garment covers a good part of the 28 x 28 field, never the 2 px padding
            assertThat(foreground).isBetween(50, 28 * 28);
        }
    }

    @Test
    void runsEndToEndAndWritesResultsAndTheFigure() throws Exception {
        AdmConfig config = AdmConfigs.get("adm-fmnist");
        AdmUNet net = AdmUNet.builder(config).optRandomWeights(5).optTrainable(true).build();
        Map<String, INDArray> weights = new LinkedHashMap<>();
        for (String k : net.parameterNames()) weights.put(k, net.sameDiff().getVariable(k).getArr());
        Path model = dir.resolve("ema.npz");
        NpzWriter.write(model, weights);
        Path out = dir.resolve("demo");
        SegmentationDemo.Settings small = new SegmentationDemo.Settings(List.of(10, 100), List.of(10, 16), 40, 20, 3, 60, 20, 4, 20, 1e-2, 0);
        new SegmentationDemo(config, model, "test", shippedFashionMnist(), out, small, false).run();

        JsonNode r = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(r.path("grid")).hasSize(4);
        double bestVal = 0;
        for (JsonNode cell : r.path("grid")) bestVal = Math.max(bestVal, cell.path("validation_miou").asDouble());
        assertThat(r.path("best").path("validation_miou").asDouble()).isEqualTo(bestVal);
        assertThat(r.path("miou").asDouble()).isBetween(0.0, 100.0);
        assertThat(r.path("raw_pixel_miou").asDouble()).isBetween(0.0, 100.0);
        assertThat(r.path("per_class")).hasSize(11);
        assertThat(r.path("per_class").get(0).path("class").asText()).isEqualTo("background");
        assertThat(r.path("best").path("t").asInt()).isIn(10, 100);
        assertThat(r.path("best").path("block").asInt()).isIn(10, 16);
        assertThat(r.path("gain_over_raw_pixel").asDouble())
                .isCloseTo(r.path("miou").asDouble() - r.path("raw_pixel_miou").asDouble(), org.assertj.core.api.Assertions.within(0.011));
        for (JsonNode row : r.path("per_class")) assertThat(row.has("iou") && row.has("raw_pixel_iou")).isTrue();
        var png = ImageIO.read(out.resolve("segmentation.png").toFile());
        assertThat(png.getWidth()).isGreaterThan(8 * 128);
        assertThat(png.getHeight()).isGreaterThan(4 * 128);
    }
}
