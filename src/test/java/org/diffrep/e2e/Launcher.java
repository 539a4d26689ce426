package org.diffrep.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code bin/diffrep} as a user runs it, in a process of its own: the launcher's JVM options, memory
 * defaults (resident-set cap, periodic GC), thread settings and logging (the app's logback.xml),
 * on the classes this build compiled ({@code DIFFREP_CLASSPATH}: never a rebuild, never an older
 * build's jars). Each command starts in {@code workDir}, so what it writes to the working folder
 * ({@code runs/}, relative {@code --out}) stays there, and its feature cache is {@code workDir/cache}.
 */
final class Launcher {
    private Launcher() {}

    static final Path SCRIPT = ReadmeExamplesTest.ROOT.resolve("bin").resolve("diffrep");

    record Launched(int exit, String out, String err) {
        /** The last {@code lines} lines of stderr: where a failing command says why. */
        String errTail(int lines) {
            List<String> all = err.lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    /**
     * Runs {@code bin/diffrep args} in {@code workDir}; stdout and stderr go to {@code <name>.out} /
     * {@code <name>.err} there. A command still running after {@code timeout} is killed and fails
     * the test with the end of its stderr.
     */
    static Launched run(Path workDir, String name, Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(Arrays.asList(args));
        Path out = workDir.resolve(name + ".out");
        Path err = workDir.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = builder.environment();
        env.put("DIFFREP_CLASSPATH", applicationClasspath());
        env.put("DIFFREP_NO_REBUILD", "1");
        env.put("DIFFREP_CACHE", workDir.resolve("cache").toString());
        env.remove("DIFFREP_RUNS");
        // surefire's one OpenMP thread is for the small graphs of in-process tests; a command runs with
        // the launcher's thread settings, as the user's does
        env.remove("OMP_NUM_THREADS");
        Process p = builder.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            Launched killed = new Launched(-1, Files.readString(out), Files.readString(err));
            throw new AssertionError("bin/diffrep " + String.join(" ", args) + " did not finish in " + timeout.toMinutes()
                    + " min; the end of its stderr:\n" + killed.errTail(30));
        }
        return new Launched(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The tests' classpath minus their own logback-test.xml: the application's logging is its logback.xml, as under the launcher. */
    private static String applicationClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Files.isRegularFile(Path.of(entry, "logback-test.xml")))
                .collect(Collectors.joining(File.pathSeparator));
    }
}
