package org.diffrep.common.provenance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ProvenanceTest {

    static final List<String> KEYS = List.of("diffrep_version", "git_commit", "command", "command_line", "config", "checkpoint",
            "checkpoint_sha256", "dataset", "splits", "seeds", "machine", "started", "finished");

    @Test
    void everyRecordHasTheFixedKeysInOrder() {
        ObjectNode n = Provenance.start("diffrep knn", List.of("--k", "20")).toJson();
        assertThat(n.fieldNames()).toIterable().containsExactlyElementsOf(KEYS);
        assertThat(n.get("config").isNull()).isTrue();
        assertThat(n.get("finished").isNull()).isTrue();
        assertThat(n.get("command_line").toString()).isEqualTo("[\"--k\",\"20\"]");
    }

    @Test
    void theVersionComesFromTheProjectVersionEvenFromAClassesFolder() {
        assertThat(Provenance.version()).matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void recordsModelDataSeedsMachineAndTimes(@TempDir Path dir) {
        Path ckpt = dir.resolve("w.npz");
        ObjectNode n = Provenance.start("diffrep train", List.of()).optModel("adm-tiny", ckpt, "ab12").optDataset("cub")
                .optSplit("train", "cub/train (9 images, list 1f)").optSeed("noise", 7).finish().toJson();
        assertThat(n.get("checkpoint").asText()).isEqualTo(ckpt.toAbsolutePath().toString());
        assertThat(n.get("checkpoint_sha256").asText()).isEqualTo("ab12");
        assertThat(n.get("splits").get("train").asText()).contains("list 1f");
        assertThat(n.get("seeds").get("noise").asLong()).isEqualTo(7);
        assertThat(n.get("machine").get("cores").asInt()).isPositive();
        assertThat(n.get("machine").get("memory_bytes").asLong()).isPositive();
        assertThat(n.get("finished").asText()).isGreaterThanOrEqualTo(n.get("started").asText());
    }

    @Test
    void readsTheCommitOfALooseRefAPackedRefAndAWorktree(@TempDir Path dir) throws Exception {
        String a = "0123456789abcdef0123456789abcdef01234567";
        String b = "89abcdef0123456789abcdef0123456789abcdef";
        Path git = Files.createDirectories(dir.resolve("repo/.git"));
        Files.writeString(git.resolve("HEAD"), "ref: refs/heads/main\n");
        Files.createDirectories(git.resolve("refs/heads"));
        Files.writeString(git.resolve("refs/heads/main"), a + "\n");
        assertThat(GitHead.commit(git)).isEqualTo(a);

        Files.delete(git.resolve("refs/heads/main"));
        Files.writeString(git.resolve("packed-refs"), "# pack-refs with: peeled\n" + a + " refs/heads/main\n");
        assertThat(GitHead.commit(git)).isEqualTo(a);

        Path wtGit = Files.createDirectories(git.resolve("worktrees/wt"));
        Files.writeString(wtGit.resolve("HEAD"), "ref: refs/heads/wt\n");
        Files.writeString(wtGit.resolve("commondir"), "../..\n");
        Files.writeString(git.resolve("refs/heads/wt"), b + "\n");
        Path worktree = Files.createDirectories(dir.resolve("wt"));
        Files.writeString(worktree.resolve(".git"), "gitdir: " + wtGit + "\n");
        assertThat(GitHead.commit(worktree.resolve(".git"))).isEqualTo(b);
    }

    @Test
    void aBrokenRepositoryGivesNoCommitRatherThanAnError(@TempDir Path dir) throws Exception {
        Path git = Files.createDirectories(dir.resolve(".git"));
        Files.writeString(git.resolve("HEAD"), "ref: refs/heads/gone\n");
        assertThat(GitHead.commit(git)).isNull();
    }
}
