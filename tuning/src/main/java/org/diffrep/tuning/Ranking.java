package org.diffrep.tuning;

import org.diffrep.common.util.AtomicFiles;
import org.diffrep.training.plot.Heatmap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Orders results and renders them: ranked table, ranking.csv, and the (t, block) heatmap of the best pooling. */
public final class Ranking {
    private Ranking() {}

    public static final String CSV_HEADER = "rank,score,top5,t,block,pool,head,lr,epochs,eval_loss,seconds,id";

    /** Best score first; ties by candidate id so the order never depends on the run order. */
    public static List<SweepResult> rank(List<SweepResult> results) {
        List<SweepResult> r = new ArrayList<>(results);
        r.sort(Comparator.comparingDouble(SweepResult::score).reversed().thenComparing(x -> x.candidate().id()));
        return r;
    }

    static void writeCsv(Path file, List<SweepResult> ranked) throws IOException {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (int i = 0; i < ranked.size(); i++) {
            SweepResult r = ranked.get(i);
            SweepCandidate c = r.candidate();
            sb.append(String.format(Locale.ROOT, "%d,%.2f,%.2f,%d,%d,%s,%s,%.4g,%d,%.4f,%.1f,%s%n", i + 1, r.score(), r.top5(), c.t(), c.block(),
                    c.pool(), c.head(), c.lr(), r.epochs(), r.evalLoss(), r.seconds(), c.id()));
        }
        AtomicFiles.writeString(file, sb.toString());
    }

    /** The first {@code limit} rows as a fixed-width table. */
    public static String table(List<SweepResult> ranked, int limit) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%4s %7s %7s %5s %5s %-10s %-9s %9s %7s%n",
                "rank", "top-1%", "top-5%", "t", "block", "pool", "head", "lr", "sec"));
        for (int i = 0; i < Math.min(limit, ranked.size()); i++) {
            SweepResult r = ranked.get(i);
            SweepCandidate c = r.candidate();
            sb.append(String.format(Locale.ROOT, "%4d %7.2f %7.2f %5d %5d %-10s %-9s %9.3g %7.1f%n", i + 1, r.score(), r.top5(), c.t(), c.block(),
                    c.pool(), c.head(), c.lr(), r.seconds()));
        }
        if (ranked.size() > limit) sb.append(String.format(Locale.ROOT, "... %d more in ranking.csv%n", ranked.size() - limit));
        return sb.toString();
    }

    /** The pooling whose best candidate scores highest (the heatmap's pooling). */
    static String bestPooling(List<SweepResult> ranked) {
        return ranked.get(0).candidate().pool();
    }

    /** Per (t, block): the best score over learning rates and heads, for one pooling. */
    static Map<Integer, Map<Integer, Double>> grid(List<SweepResult> ranked, String pool) {
        Map<Integer, Map<Integer, Double>> cells = new TreeMap<>();
        for (SweepResult r : ranked) {
            SweepCandidate c = r.candidate();
            if (!c.pool().equals(pool)) continue;
            cells.computeIfAbsent(c.t(), k -> new TreeMap<>()).merge(c.block(), r.score(), Math::max);
        }
        return cells;
    }

    static void writeHeatmap(Path file, List<SweepResult> ranked) throws IOException {
        String pool = bestPooling(ranked);
        Map<Integer, Map<Integer, Double>> cells = grid(ranked, pool);
        List<Integer> ts = new ArrayList<>(cells.keySet());
        TreeSet<Integer> blockSet = new TreeSet<>();
        cells.values().forEach(m -> blockSet.addAll(m.keySet()));
        List<Integer> blocks = new ArrayList<>(blockSet);
        Heatmap map = Heatmap.of(ts, blocks).title("top-1 % by (t, block), pooling " + pool + ", best over lr and head")
                .axes("t", "block").series("top-1 %").decimals("0.0")
                .size(Math.max(640, 90 * ts.size() + 260), Math.max(360, 28 * blocks.size() + 160));
        for (int x = 0; x < ts.size(); x++) {
            for (Map.Entry<Integer, Double> e : cells.get(ts.get(x)).entrySet()) map.set(x, blocks.indexOf(e.getKey()), e.getValue());
        }
        map.writePng(file);
    }
}
