package org.diffrep.training.plot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HeatmapTest {

    @Test
    void writesAPngOfTheRequestedSizeAtomically(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("sub/map.png");
        Heatmap.of(List.of(1, 2, 3), List.of("a", "b")).title("t").axes("x", "y")
                .set(0, 0, 0.5).set(2, 1, 59.6).size(500, 300).writePng(png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(500);
        assertThat(image.getHeight()).isEqualTo(300);
        try (var files = Files.list(png.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("map.png");
        }
    }

    @Test
    void refusesCellsOutsideTheGridAndAnEmptyGrid(@TempDir Path dir) {
        Heatmap map = Heatmap.of(List.of(1, 2), List.of(1));
        assertThatThrownBy(() -> map.set(2, 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> map.writePng(dir.resolve("empty.png"))).hasMessageContaining("no cells");
    }
}
