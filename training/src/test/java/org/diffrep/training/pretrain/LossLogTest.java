package org.diffrep.training.pretrain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LossLogTest {

    @TempDir
    Path dir;

    /**
     * The plot replaces a previous one whole under exactly the name asked for: written beside it and
     * renamed over it (XChart's own saveBitmap writes in place and appends ".png" to other names).
     */
    @Test
    void thePlotReplacesTheFileItIsGivenWholeAndLeavesNothingElse() throws Exception {
        List<LossLog.Row> rows = new ArrayList<>();
        for (int step = 1; step <= 40; step++) rows.add(new LossLog.Row(step, 1.0 / step, 0.5, 1e-3, step * 0.1));
        Path plot = dir.resolve("curve.plot");
        Files.writeString(plot, "the previous plot");
        LossLog.plot(rows, 5, "a test run", plot);
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("curve.plot");
        }
        assertThat(ImageIO.read(plot.toFile())).as("a PNG image").isNotNull().satisfies(img -> assertThat(img.getWidth()).isEqualTo(900));
    }
}
