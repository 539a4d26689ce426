package org.diffrep.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The memory and allocator settings bin/diffrep applies are the ones in force in the JVM it starts. */
class LauncherSettingsTest {

    @TempDir
    Path dir;

    @Test
    void theLaunchersMemorySettingsAreInForce() throws Exception {
        Launcher.Launched r = Launcher.run(dir, "bench", Duration.ofMinutes(3),
                "bench", "forward", "--config", "adm-tiny", "--warmup", "0", "--runs", "1", "--skip-full", "--json");
        assertThat(r.exit()).as(r.errTail(20)).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        long ramMb = com.sun.management.OperatingSystemMXBean.class
                .cast(java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() >> 20;
        String memory = json.get("memory").asText();
        // everything but demo, pretrain and sample: a cap of 3/4 of RAM, 4 GB of heap, two glibc arenas, huge pages
        Matcher cap = Pattern.compile("RSS cap (\\d+) MB").matcher(memory);
        assertThat(cap.find()).as(memory).isTrue();
        assertThat(Long.parseLong(cap.group(1))).isCloseTo(ramMb * 3 / 4, within(2L));
        assertThat(memory).contains("heap max 4096 MB").contains("MALLOC_ARENA_MAX=2").contains("glibc.malloc.hugetlb=1");
        assertThat(json.get("released_arrays").asText()).isEqualTo("close at once");
    }
}
