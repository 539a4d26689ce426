package org.diffrep.training.demo;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Accuracy over (t, block) as a PNG heat map: blocks along x, noise steps along y. */
final class Heatmap {

    private Heatmap() {}

    static void write(List<DemoCommand.Cell> grid, List<Integer> ts, List<Integer> blocks, ToDoubleFunction<DemoCommand.Cell> value,
                      String title, Path png) throws IOException {
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(700, 60 * blocks.size() + 200)).height(120 + 70 * ts.size())
                .title(title).xAxisTitle("block").yAxisTitle("t").build();
        chart.getStyler().setPlotContentSize(1);
        chart.getStyler().setShowValue(true);
        chart.getStyler().setRangeColors(new Color[] {new Color(255, 245, 235), new Color(253, 174, 107), new Color(166, 54, 3)});
        List<Number[]> heat = new ArrayList<>();
        for (DemoCommand.Cell c : grid) {
            heat.add(new Number[] {blocks.indexOf(c.block()), ts.indexOf(c.t()), Math.round(value.applyAsDouble(c) * 10) / 10.0});
        }
        chart.addSeries("top-1 %", new ArrayList<>(blocks), new ArrayList<>(ts), heat);
        Files.createDirectories(png.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
