package org.diffrep.common.provenance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** The commit a {@code .git} folder (or a worktree's {@code .git} file) has checked out, read from its files. */
final class GitHead {
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");

    private GitHead() {}

    /** The checked-out commit, or null if the files do not say (a corrupt or unusual repository). */
    static String commit(Path dotGit) {
        try {
            Path gitDir = dotGit;
            if (Files.isRegularFile(dotGit)) {
                // a worktree: ".git" holds "gitdir: <path>", and that folder's "commondir" the shared refs
                String line = Files.readString(dotGit, StandardCharsets.UTF_8).strip();
                if (!line.startsWith("gitdir:")) return null;
                gitDir = dotGit.getParent().resolve(line.substring("gitdir:".length()).strip()).normalize();
            }
            String head = Files.readString(gitDir.resolve("HEAD"), StandardCharsets.UTF_8).strip();
            if (SHA.matcher(head).matches()) return head;
            if (!head.startsWith("ref:")) return null;
            String ref = head.substring("ref:".length()).strip();
            Path common = gitDir;
            Path commonDir = gitDir.resolve("commondir");
            if (Files.isRegularFile(commonDir)) {
                common = gitDir.resolve(Files.readString(commonDir, StandardCharsets.UTF_8).strip()).normalize();
            }
            for (Path base : new Path[] {gitDir, common}) {
                Path loose = base.resolve(ref);
                if (Files.isRegularFile(loose)) {
                    String sha = Files.readString(loose, StandardCharsets.UTF_8).strip();
                    if (SHA.matcher(sha).matches()) return sha;
                }
            }
            Path packed = common.resolve("packed-refs");
            if (Files.isRegularFile(packed)) {
                for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
                    String[] f = line.split(" ");
                    if (f.length == 2 && f[1].equals(ref) && SHA.matcher(f[0]).matches()) return f[0];
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
