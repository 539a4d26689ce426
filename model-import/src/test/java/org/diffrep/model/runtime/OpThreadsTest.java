package org.diffrep.model.runtime;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpThreadsTest {

    /** Lowers, restores and tries to raise the count in this JVM; prints what it saw. */
    public static void main(String[] args) {
        StringBuilder seen = new StringBuilder("start " + OpThreads.current());
        try (OpThreads ignored = OpThreads.atMost(1)) {
            seen.append(", capped ").append(OpThreads.current());
        }
        seen.append(", restored ").append(OpThreads.current());
        try (OpThreads ignored = OpThreads.atMost(4)) {
            seen.append(", cap 4 ").append(OpThreads.current());
        }
        try (OpThreads ignored = OpThreads.atMost(0)) {
            seen.append(", cap 0 ").append(OpThreads.current());
        }
        System.out.println(seen);
    }

    /** The test JVM runs on one thread per op (the build pins it), so the check runs in a JVM that starts with two. */
    @Test
    void atMostLowersTheThreadsPerOpUntilClosedAndNeverRaisesThem() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OpThreadsTest.class.getName()).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "2");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("start 2, capped 1, restored 2, cap 4 2, cap 0 2");
    }

    @Test
    void aCountBelowOneIsRefused() {
        assertThatThrownBy(() -> OpThreads.set(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
