package org.diffrep.training.pretrain;

import org.diffrep.common.util.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The per-step training log ({@code step,loss,grad_norm,lr,seconds}) as CSV, and its plot. On
 * resume, rows after the checkpoint's step (written by the killed run after its last checkpoint)
 * are dropped so the log has each step once.
 */
public final class LossLog {

    public static final String HEADER = "step,loss,grad_norm,lr,seconds";

    public record Row(long step, double loss, double gradNorm, double lr, double seconds) {}

    private final Path file;

    public LossLog(Path file, long resumedStep) throws IOException {
        this.file = file;
        List<String> keep = new ArrayList<>();
        keep.add(HEADER);
        for (Row r : read(file)) {
            if (r.step() <= resumedStep) keep.add(format(r));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.writeString(file, String.join("\n", keep) + "\n");
    }

    public void append(Row r) throws IOException {
        Files.writeString(file, format(r) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private static String format(Row r) {
        return String.format(Locale.ROOT, "%d,%.6f,%.5f,%.3g,%.2f", r.step(), r.loss(), r.gradNorm(), r.lr(), r.seconds());
    }

    public static List<Row> read(Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        if (!Files.exists(file)) return rows;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("step")) continue;
            String[] f = line.split(",");
            rows.add(new Row(Long.parseLong(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4])));
        }
        return rows;
    }

    /** Per-step loss and its running mean over {@code window} steps, log scale. */
    public static void plot(List<Row> rows, int window, String title, Path png) throws IOException {
        if (rows.isEmpty()) return;
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("step").yAxisTitle("MSE(ε̂, ε)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(0);
        double[] x = rows.stream().mapToDouble(Row::step).toArray();
        double[] y = rows.stream().mapToDouble(Row::loss).toArray();
        double[] mean = new double[y.length];
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += y[i];
            if (i >= window) sum -= y[i - window];
            mean[i] = sum / Math.min(i + 1, window);
        }
        XYSeries raw = chart.addSeries("loss per step", x, y);
        raw.setMarker(SeriesMarkers.NONE);
        raw.setLineColor(new java.awt.Color(150, 180, 220));
        XYSeries avg = chart.addSeries("mean of last " + window, x, mean);
        avg.setMarker(SeriesMarkers.NONE);
        avg.setLineColor(new java.awt.Color(20, 60, 160));
        // encoded in memory and published whole: saveBitmap writes in place, and appends ".png" to any other name
        AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    }
}
