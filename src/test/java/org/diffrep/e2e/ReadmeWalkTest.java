package org.diffrep.e2e;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the READMEs' {@code bin/diffrep} examples, in the order a reader meets them, as the reader
 * does: each through {@code bin/diffrep} in a process of its own (the launcher's memory and thread
 * defaults; see {@link Launcher}), in a temporary working folder. An example runs when everything it
 * reads is in the repository (or was written by an earlier example); one that needs a download (the
 * official checkpoint, ImageNet, CUB, ADE20K under /data) is skipped. Repository paths resolve
 * against the repository, {@code /tmp/} against the working folder, so nothing is written into the
 * tree. The default suite walks the examples that take seconds; {@code -Pslow} walks all of them
 * (the demo, pretraining, sweeps: about an hour on 2 cores). {@code -Dreadme.walk.only=A,B} walks only the
 * examples whose command (after {@code bin/diffrep}) starts with A or B, e.g. to re-run the ones a
 * failed walk names; an example that reads what an earlier one writes then needs that one too.
 */
class ReadmeWalkTest {

    @TempDir
    Path work;

    /** What no clean clone has: the user's downloads (besides anything under /data/). */
    static final List<String> DOWNLOADS = List.of("256x256_diffusion_uncond.pt", "space.yaml", "paper-grid.yaml", "inet");
    /** Examples of seconds: the rest (full forward of the 553M model, demo, sweeps, pretraining) run with -Pslow. */
    static final List<String> QUICK = List.of("model-info", "head-info", "verify-blocks", "train --head linear --dataset synthetic",
            "eval --run /tmp/run");
    /** The longest example of the slow walk is pretraining (--max-minutes 15) on a busy machine. */
    static final Duration QUICK_LIMIT = Duration.ofMinutes(5), SLOW_LIMIT = Duration.ofMinutes(40);
    /** The examples {@code -Dreadme.walk.only} selects (prefixes of the command after bin/diffrep); empty: all. */
    static final List<String> ONLY = Arrays.stream(System.getProperty("readme.walk.only", "").split(","))
            .map(String::strip).filter(p -> !p.isEmpty()).toList();

    @Test
    void quickExamplesRunAsWritten() throws Exception {
        assertThat(walk(true)).as("examples run").isGreaterThanOrEqualTo(ONLY.isEmpty() ? 7 : 0);
    }

    @Test
    @Tag("slow")
    void everyRunnableExampleRunsAsWritten() throws Exception {
        assertThat(walk(false)).as("examples run").isGreaterThanOrEqualTo(ONLY.isEmpty() ? 15 : 1);
    }

    private int walk(boolean quickOnly) throws Exception {
        List<String> failures = new ArrayList<>();
        // what the examples that needed a download would have written (their --out): the examples reading it are skipped too
        Set<String> notWritten = new HashSet<>();
        int ran = 0;
        for (String readme : ReadmeExamplesTest.READMES) {
            for (String command : ReadmeExamplesTest.commands(ReadmeExamplesTest.ROOT.resolve(readme))) {
                String body = command.substring("bin/diffrep ".length()).strip();
                if (command.contains("...") || command.contains("$") || command.contains("[")) continue;
                String[] words = body.split("\\s+");
                if (Arrays.stream(words).anyMatch(w -> w.startsWith("/data/") || DOWNLOADS.contains(w))) {
                    for (int i = 1; i < words.length; i++) if (words[i - 1].equals("--out")) notWritten.add(words[i]);
                    continue;
                }
                if (Arrays.stream(words).anyMatch(w -> notWritten.stream().anyMatch(o -> w.equals(o) || w.startsWith(o + "/")))) continue;
                if (quickOnly && QUICK.stream().noneMatch(body::startsWith)) continue;
                if (!ONLY.isEmpty() && ONLY.stream().noneMatch(body::startsWith)) continue;
                ran++;
                long start = System.nanoTime();
                Launcher.Launched r = Launcher.run(work, "example-" + ran, quickOnly ? QUICK_LIMIT : SLOW_LIMIT, localise(words));
                System.out.printf(Locale.ROOT, "README example %d, exit %d in %.0f s: %s%n", ran, r.exit(), (System.nanoTime() - start) / 1e9, command);
                if (r.exit() != 0) failures.add(readme + ": " + command + " -> exit " + r.exit() + "; the end of its stderr:\n" + r.errTail(30));
            }
        }
        assertThat(failures).isEmpty();
        return ran;
    }

    /** Repository paths against the repository, /tmp/ under the working folder. */
    private String[] localise(String[] words) {
        String[] args = Arrays.copyOf(words, words.length);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("/tmp/")) args[i] = work.resolve(a.substring(5)).toString();
            else if (a.matches("(models|data|tuning/examples|model-import/src)/.*")) args[i] = ReadmeExamplesTest.ROOT.resolve(a).toString();
        }
        return args;
    }
}
