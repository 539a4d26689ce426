package org.diffrep.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SparkShardsTest {

    @TempDir
    Path dir;

    /** Writes shard i's file unless present; the first attempt at shard 2 dies after its temporary file. */
    record FlakyShard(String dir) implements ShardTask<String> {
        @Override
        public String compute(int shard, int cores) throws Exception {
            Path out = Path.of(dir, "shard-" + shard);
            if (Files.exists(out)) return "reused " + shard;
            Path tmp = Path.of(dir, "shard-" + shard + ".tmp");
            Files.writeString(tmp, "data of " + shard + " on " + cores + " core(s)");
            if (shard == 2 && Files.notExists(Path.of(dir, "failed-once"))) {
                Files.createFile(Path.of(dir, "failed-once"));
                throw new IllegalStateException("injected failure");
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            return "computed " + shard;
        }
    }

    @Test
    void oneTaskPerShardRetriedAfterAFailureAndIdempotentOnRerun() throws Exception {
        try (SparkShards spark = new SparkShards("local[2,2]", "diffrep test")) {
            assertThat(spark.taskCpus()).isEqualTo(2);
            List<String> first = spark.run("first", List.of(0, 1, 2, 3), new FlakyShard(dir.toString()));
            assertThat(first).containsExactly("computed 0", "computed 1", "computed 2", "computed 3");
            assertThat(Files.readString(dir.resolve("shard-2"))).isEqualTo("data of 2 on 2 core(s)");
            List<String> again = spark.run("again", List.of(0, 1, 2, 3), new FlakyShard(dir.toString()));
            assertThat(again).containsExactly("reused 0", "reused 1", "reused 2", "reused 3");
        }
    }
}
