package org.diffrep.e2e;

import org.diffrep.app.Diffrep;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The READMEs' examples against the code and the shipped files: every {@code bin/diffrep} line of a
 * bash block parses (options exist, values convert), every repository path it names exists, none
 * writes into the tracked results under models/ or data/, and the example space file is the shipped one.
 */
class ReadmeExamplesTest {

    static final Path ROOT = CommandLineTest.FIXTURE.getParent().getParent().getParent().getParent().getParent();
    static final List<String> READMES = List.of("README.md", "training/README.md", "tuning/README.md", "datasets/README.md",
            "models/adm-fmnist/README.md");
    static final List<String> TRACKED = List.of("models/", "data/");

    /** The bin/diffrep commands of a README's bash blocks, continuation lines joined, comments dropped. */
    static List<String> commands(Path readme) throws IOException {
        List<String> out = new ArrayList<>();
        boolean bash = false;
        StringBuilder pending = null;
        for (String line : Files.readAllLines(readme)) {
            if (line.startsWith("```")) {
                bash = line.equals("```bash");
                continue;
            }
            if (!bash) continue;
            String code = line.replaceFirst("\\s+#.*$", "").strip();
            if (pending != null) {
                pending.append(' ').append(code.replaceFirst("\\\\$", ""));
                if (!code.endsWith("\\")) {
                    out.add(pending.toString());
                    pending = null;
                }
            } else if (code.startsWith("bin/diffrep ")) {
                if (code.endsWith("\\")) pending = new StringBuilder(code.replaceFirst("\\\\$", ""));
                else out.add(code);
            }
        }
        return out;
    }

    @Test
    void everyExampleCommandParsesAndNamesFilesThatExist() throws Exception {
        int checked = 0;
        List<String> problems = new ArrayList<>();
        for (String readme : READMES) {
            for (String command : commands(ROOT.resolve(readme))) {
                // "..." stands for options given above, "$D" for a shell variable
                if (command.contains("...") || command.contains("$")) continue;
                String[] words = command.trim().split("\\s+");
                String[] args = Arrays.copyOfRange(words, 1, words.length);
                try {
                    Diffrep.commandLine().parseArgs(args);
                } catch (CommandLine.ParameterException e) {
                    problems.add(readme + ": " + command + " -> " + e.getMessage());
                }
                for (int i = 0; i < args.length; i++) {
                    String a = args[i];
                    if (a.matches("(models|data|tuning/examples|model-import/src)/.*") && !Files.exists(ROOT.resolve(a))) {
                        problems.add(readme + ": " + command + " -> no such file in the repository: " + a);
                    }
                    if (a.equals("--out") && i + 1 < args.length && TRACKED.stream().anyMatch(args[i + 1]::startsWith)) {
                        problems.add(readme + ": " + command + " -> writes into tracked results: " + args[i + 1]);
                    }
                }
                checked++;
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).as("example commands checked").isGreaterThan(15);
    }

    @Test
    void theExampleSpaceInTheTuningReadmeIsTheShippedFile() throws Exception {
        String readme = Files.readString(ROOT.resolve("tuning/README.md"));
        Matcher m = Pattern.compile("Example \\(`tuning/examples/fmnist-space.yaml`\\):\\s*```yaml\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(m.find()).as("the example block").isTrue();
        assertThat(m.group(1)).isEqualTo(Files.readString(ROOT.resolve("tuning/examples/fmnist-space.yaml")));
    }
}
