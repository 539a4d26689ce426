package org.diffrep.training.plot;

import org.diffrep.common.util.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A labelled grid of numbers rendered as a PNG heat map (XChart): the demo's and the sweep's accuracy over
 * (t, block) and the CKA matrix. Cells are set one by one; a cell never set is left empty. Unless a range is
 * given the colour scale spans the values, with whole-number ends (XChart prints the legend bounds unformatted,
 * e.g. 59.599999999999994).
 */
public final class Heatmap {

    private final List<String> columns;
    private final List<String> rows;
    private final List<Number[]> cells = new ArrayList<>();
    private String title = "";
    private String xAxis;
    private String yAxis;
    private String series = "value";
    private String decimals = "0.0";
    private boolean showValues = true;
    private Double min;
    private Double max;
    private Color[] colors;
    private int width;
    private int height;

    private Heatmap(List<String> columns, List<String> rows) {
        this.columns = List.copyOf(columns);
        this.rows = List.copyOf(rows);
        // room for the labels, the legend and the title around cells of a readable size
        this.width = Math.max(640, 60 * columns.size() + 240);
        this.height = Math.max(360, 36 * rows.size() + 160);
    }

    /** An empty grid with these column (x) and row (y) labels. */
    public static Heatmap of(List<?> columns, List<?> rows) {
        return new Heatmap(columns.stream().map(String::valueOf).toList(), rows.stream().map(String::valueOf).toList());
    }

    /** Sets the cell at column index {@code x}, row index {@code y}. */
    public Heatmap set(int x, int y, double value) {
        if (x < 0 || x >= columns.size() || y < 0 || y >= rows.size()) {
            throw new IndexOutOfBoundsException("cell (" + x + ", " + y + ") of a " + columns.size() + "x" + rows.size() + " heat map");
        }
        cells.add(new Number[]{x, y, value});
        return this;
    }

    public Heatmap title(String title) {
        this.title = title;
        return this;
    }

    public Heatmap axes(String x, String y) {
        this.xAxis = x;
        this.yAxis = y;
        return this;
    }

    /** The legend's name of the values. */
    public Heatmap series(String name) {
        this.series = name;
        return this;
    }

    /** The {@link java.text.DecimalFormat} pattern of the values printed in the cells. */
    public Heatmap decimals(String pattern) {
        this.decimals = pattern;
        return this;
    }

    public Heatmap showValues(boolean show) {
        this.showValues = show;
        return this;
    }

    /** A fixed colour scale instead of one spanning the values. */
    public Heatmap range(double min, double max) {
        this.min = min;
        this.max = max;
        return this;
    }

    /** Colours from the low to the high end of the scale (default: XChart's). */
    public Heatmap colors(Color... colors) {
        this.colors = colors.clone();
        return this;
    }

    public Heatmap size(int width, int height) {
        this.width = width;
        this.height = height;
        return this;
    }

    /** Renders the grid and publishes it atomically as {@code png}, creating its folder. */
    public void writePng(Path png) throws IOException {
        if (cells.isEmpty()) throw new IllegalStateException("no cells to draw in " + png);
        System.setProperty("java.awt.headless", "true");
        HeatMapChartBuilder builder = new HeatMapChartBuilder().width(width).height(height).title(title);
        if (xAxis != null) builder.xAxisTitle(xAxis);
        if (yAxis != null) builder.yAxisTitle(yAxis);
        HeatMapChart chart = builder.build();
        chart.getStyler().setPlotContentSize(1.0);
        chart.getStyler().setShowValue(showValues);
        chart.getStyler().setHeatMapValueDecimalPattern(decimals);
        if (colors != null) chart.getStyler().setRangeColors(colors);
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (Number[] c : cells) {
            low = Math.min(low, c[2].doubleValue());
            high = Math.max(high, c[2].doubleValue());
        }
        double from = min != null ? min : Math.floor(low);
        double to = max != null ? max : Math.ceil(high);
        chart.getStyler().setMin(from);
        chart.getStyler().setMax(to > from ? to : from + 1);
        chart.addSeries(series, columns, rows, cells);
        AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    }
}
