package org.diffrep.training.pretrain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** pretrain --resume continues with the run's own settings and refuses options that would change them, never ignoring them. */
class PretrainResumeTest {

    @TempDir
    Path dir;

    private int run(StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new PretrainCommand());
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void aResumeWithAnotherBatchIsRefusedNotIgnored() throws Exception {
        // a 1-channel 32 px model small enough for a step in well under a second
        Path config = Files.writeString(dir.resolve("tiny-fmnist.json"), "{\"image_size\": 32, \"in_channels\": 1, \"num_channels\": 8,"
                + " \"channel_mult\": \"1,2\", \"num_res_blocks\": 1, \"attention_resolutions\": \"16\", \"num_heads\": 2,"
                + " \"groupnorm_groups\": 4}");
        Path out = dir.resolve("run");
        StringWriter err = new StringWriter();
        assertThat(run(err, "--config", config.toString(), "--limit", "8", "--batch", "4", "--steps", "1", "--checkpoint-every", "1",
                "--out", out.toString())).as(err.toString()).isZero();
        StringWriter refused = new StringWriter();
        assertThat(run(refused, "--resume", "--batch", "8", "--steps", "2", "--out", out.toString())).isEqualTo(2);
        assertThat(refused.toString()).contains("--batch 8 differs from the run's 4");
        // the run's own settings (or the same value again) resume
        assertThat(run(new StringWriter(), "--resume", "--batch", "4", "--steps", "2", "--limit", "8", "--out", out.toString())).isZero();
    }
}
