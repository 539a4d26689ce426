package org.diffrep.e2e;

import org.diffrep.app.Diffrep;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every command's --help, rendered as a user sees it: no picocli warning, every option explained, every default named. */
class HelpTest {

    @Test
    void everyHelpRendersWithoutWarningsAndExplainsEveryOption() {
        List<String> problems = new ArrayList<>();
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        // picocli reports format problems of descriptions on System.err while rendering
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            check(Diffrep.commandLine(), problems);
        } finally {
            System.setErr(originalErr);
        }
        String warnings = captured.toString(StandardCharsets.UTF_8);
        if (warnings.contains("picocli WARN")) problems.add(warnings);
        assertThat(problems).as("picocli warnings, options without text or without their default in --help").isEmpty();
    }

    @Test
    void helpListsOnlyWhatACommandUses() {
        CommandLine cl = Diffrep.commandLine();
        // CKA reads the evaluation split only; finetune refuses DifFeed
        assertThat(cl.getSubcommands().get("cka").getCommandSpec().findOption("--train-split")).isNull();
        assertThat(cl.getSubcommands().get("cka").getCommandSpec().findOption("--limit-eval")).isNotNull();
        assertThat(String.join(" ", cl.getSubcommands().get("finetune").getCommandSpec().findOption("--head").description()))
                .doesNotContain("diffeed,").contains("not diffeed");
        // extract's cache has a default, so its help must not present the option as required while it is
        assertThat(String.join(" ", cl.getSubcommands().get("extract").getCommandSpec().findOption("--cache").description()))
                .contains("default");
    }

    private static void check(CommandLine cl, List<String> problems) {
        String name = cl.getCommandSpec().qualifiedName();
        StringWriter usage = new StringWriter();
        cl.usage(new PrintWriter(usage));
        assertThat(usage.toString()).as(name).contains("Usage: " + name).doesNotContain("%n");
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (o.usageHelp() || o.versionHelp() || o.hidden()) continue;
            String text = String.join(" ", o.description());
            if (text.isBlank()) problems.add(name + " " + o.longestName() + ": no description");
            boolean flag = o.arity().max() == 0;
            if (!flag && o.defaultValue() != null && !text.toLowerCase().contains("default")) {
                problems.add(name + " " + o.longestName() + ": default " + o.defaultValue() + " not shown");
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandName().equals("help")) check(sub, problems);
        }
    }
}
