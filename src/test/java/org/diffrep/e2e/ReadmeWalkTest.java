package org.diffrep.e2e;

import org.diffrep.app.Diffrep;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the READMEs' {@code bin/diffrep} examples, in the order a reader meets them, through the
 * launcher's command line. An example runs when everything it reads is in the repository (or was
 * written by an earlier example); one that needs a download (the official checkpoint, ImageNet, CUB,
 * ADE20K under /data) is skipped and named. Repository paths resolve against the repository; the
 * files an example writes go to a temporary folder, never into the tree. The default suite walks the
 * examples that take seconds; {@code -Pslow} walks all of them (the demo, pretraining, sweeps: an hour).
 */
class ReadmeWalkTest {

    @TempDir
    Path work;

    /** Options whose value is a file or folder the example writes (or reads back after writing). */
    static final Set<String> OUTPUTS = Set.of("--out", "--cache", "--run", "--save-predictions", "--model");
    /** What no clean clone has: the user's downloads. */
    static final List<String> EXTERNAL = List.of("/data/", "256x256_diffusion_uncond.pt", "space.yaml", "paper-grid.yaml", "inet");
    /** Examples of seconds: the rest (full forward of the 553M model, demo, sweeps, pretraining) run with -Pslow. */
    static final List<String> QUICK = List.of("model-info", "head-info", "verify-blocks", "train --head linear --dataset synthetic",
            "eval --run /tmp/run");

    @Test
    void quickExamplesRunAsWritten() throws Exception {
        assertThat(walk(true)).as("examples run").isGreaterThanOrEqualTo(7);
    }

    @Test
    @Tag("slow")
    void everyRunnableExampleRunsAsWritten() throws Exception {
        assertThat(walk(false)).as("examples run").isGreaterThanOrEqualTo(15);
    }

    private int walk(boolean quickOnly) throws Exception {
        List<String> failures = new ArrayList<>();
        int ran = 0;
        for (String readme : ReadmeExamplesTest.READMES) {
            for (String command : ReadmeExamplesTest.commands(ReadmeExamplesTest.ROOT.resolve(readme))) {
                String body = command.substring("bin/diffrep ".length()).strip();
                if (command.contains("...") || command.contains("$") || command.contains("[")) continue;
                if (EXTERNAL.stream().anyMatch(command::contains)) continue;
                if (quickOnly && QUICK.stream().noneMatch(body::startsWith)) continue;
                String[] args = localise(body.split("\\s+"));
                StringWriter err = new StringWriter();
                int code = Diffrep.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err)).execute(args);
                if (code != 0) failures.add(readme + ": " + command + " -> exit " + code + ": " + err.toString().strip());
                ran++;
            }
        }
        assertThat(failures).isEmpty();
        return ran;
    }

    /** Repository paths against the repository, written files (and /tmp) under the temporary folder. */
    private String[] localise(String[] words) {
        String[] args = Arrays.copyOf(words, words.length);
        boolean hasOut = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            boolean output = i > 0 && OUTPUTS.contains(args[i - 1]);
            hasOut |= a.equals("--out");
            if (a.startsWith("/tmp/")) args[i] = work.resolve(a.substring(5)).toString();
            else if (output && !Path.of(a).isAbsolute()) args[i] = work.resolve(a).toString();
            else if (a.matches("(models|data|tuning/examples|model-import/src)/.*")) args[i] = ReadmeExamplesTest.ROOT.resolve(a).toString();
        }
        if (args[0].equals("demo") && !hasOut) {
            args = Arrays.copyOf(args, args.length + 2);
            args[args.length - 2] = "--out";
            args[args.length - 1] = work.resolve("demo-out").toString();
        }
        return args;
    }
}
