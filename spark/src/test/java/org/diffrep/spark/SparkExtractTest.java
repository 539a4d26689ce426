package org.diffrep.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.training.CommandRun;
import org.diffrep.training.TestFixtures;
import org.diffrep.training.cli.ExtractCommand;
import org.diffrep.training.data.CubFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** extract on Spark local[2] against the local engine, on a few dozen JPEGs (one truncated) and the adm-tiny U-Net. */
class SparkExtractTest {

    @TempDir
    Path dir;

    private CommandRun extract(Path root, Path cache, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--dataset", "cub", "--root", root.toString(), "--config", "adm-tiny",
                "--checkpoint", TestFixtures.admTinyCheckpoint().toString(), "--head", "linear", "--t", "150", "--blocks", "12,24",
                "--cache", cache.toString(), "--shard-size", "8", "--extract-batch", "4",
                "--json", "--no-progress"));
        args.addAll(List.of(extra));
        return CommandRun.of(new ExtractCommand(), args.toArray(new String[0]));
    }

    /** Every shard data file under a cache folder, by its path relative to the folder. */
    private static Map<String, byte[]> dataFiles(Path cache) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(cache)) {
            for (Path p : all.filter(p -> p.toString().endsWith(".feat")).toList()) files.put(cache.relativize(p).toString(), Files.readAllBytes(p));
        }
        return files;
    }

    @Test
    void sparkLocal2WritesTheLocalEnginesBytesAndListsTheTruncatedJpeg() throws Exception {
        Path root = dir.resolve("cub");
        List<Path> images = CubFolder.write(root, 3, 10, 8);
        CubFolder.truncate(images.get(12));

        CommandRun local = extract(root, dir.resolve("local"), "--max-unreadable", "0.05");
        assertThat(local.exit()).as(local.err()).isZero();
        CommandRun spark = extract(root, dir.resolve("spark"), "--engine", "spark", "--master", "local[2]", "--max-unreadable", "0.05");
        assertThat(spark.exit()).as(spark.err()).isZero();

        JsonNode l = new ObjectMapper().readTree(local.out());
        JsonNode s = new ObjectMapper().readTree(spark.out());
        assertThat(s.get("engine").asText()).isEqualTo("spark");
        assertThat(l.get("engine").asText()).isEqualTo("local");
        // 24 training images in 3 shards of 8, 6 evaluation images in 1 shard; the truncated one is left out
        for (JsonNode r : List.of(l, s)) {
            assertThat(r.get("shards_total").asInt()).isEqualTo(4);
            assertThat(r.get("shards_computed").asInt()).isEqualTo(4);
            assertThat(r.get("images").asInt()).isEqualTo(29);
            assertThat(r.get("unreadable")).hasSize(1);
            assertThat(r.get("unreadable").get(0).asText()).isEqualTo(images.get(12).toString());
        }
        Map<String, byte[]> a = dataFiles(dir.resolve("local"));
        Map<String, byte[]> b = dataFiles(dir.resolve("spark"));
        assertThat(a).hasSize(8);
        assertThat(b.keySet()).isEqualTo(a.keySet());
        a.forEach((name, bytes) -> assertThat(b.get(name)).as(name).isEqualTo(bytes));

        CommandRun again = extract(root, dir.resolve("spark"), "--engine", "spark", "--master", "local[2]", "--max-unreadable", "0.05");
        JsonNode r = new ObjectMapper().readTree(again.out());
        assertThat(r.get("shards_computed").asInt()).isZero();
        assertThat(r.get("shards_reused").asInt()).isEqualTo(4);
        assertThat(r.get("unreadable")).hasSize(1);
    }

    @Test
    void withNoUnreadableImageToleratedTheSparkRunFailsNamingTheFile() throws Exception {
        Path root = dir.resolve("cub");
        List<Path> images = CubFolder.write(root, 3, 10, 8);
        CubFolder.truncate(images.get(12));
        CommandRun failed = extract(root, dir.resolve("spark"), "--engine", "spark", "--master", "local[2]", "--max-unreadable", "0");
        assertThat(failed.exit()).as(failed.err()).isEqualTo(2);
        assertThat(failed.err().strip()).startsWith("error: ").doesNotContain("\n")
                .contains("1 of 24 files unreadable").contains(images.get(12).toString());
    }
}
