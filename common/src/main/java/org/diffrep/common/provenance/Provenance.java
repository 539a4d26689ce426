package org.diffrep.common.provenance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Where a result came from, in the same fixed keys for every command that writes one (train,
 * finetune, knn, cka, demo, sweep, pretrain), in the spirit of Tribuo's provenance: diffrep's
 * version and git commit, the command line, the model config and the checkpoint's SHA-256, the
 * dataset with each split's description (its name, size, transform and the hash of its image
 * list), the seeds, the machine, and when the work started and finished. A key that does not
 * apply to a command is present with the value null, so tools can read every file alike.
 */
public final class Provenance {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String command;
    private final List<String> commandLine;
    private final Instant started;
    private Instant finished;
    private String config;
    private String checkpoint;
    private String checkpointSha256;
    private String dataset;
    private final Map<String, String> splits = new LinkedHashMap<>();
    private final Map<String, Long> seeds = new LinkedHashMap<>();

    private Provenance(String command, List<String> commandLine) {
        this.command = command;
        this.commandLine = List.copyOf(commandLine);
        this.started = Instant.now();
    }

    /** Starts the record of {@code command} run with {@code args} (now). */
    public static Provenance start(String command, List<String> args) {
        return new Provenance(command, args);
    }

    /** Starts the record of the picocli command being executed, with the arguments it was given. */
    public static Provenance start(CommandLine.Model.CommandSpec spec) {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        return new Provenance(spec.qualifiedName(), parsed == null ? List.of() : parsed.originalArgs());
    }

    /** The U-Net: its config (name or description), the weights file and its SHA-256. */
    public Provenance optModel(String config, Path checkpoint, String checkpointSha256) {
        this.config = config;
        this.checkpoint = checkpoint == null ? null : checkpoint.toAbsolutePath().normalize().toString();
        this.checkpointSha256 = checkpointSha256;
        return this;
    }

    /** The dataset's name. */
    public Provenance optDataset(String name) {
        this.dataset = name;
        return this;
    }

    /** A split the command read, by role ("train", "eval", ...): its description names the split, size and list hash. */
    public Provenance optSplit(String role, String description) {
        splits.put(role, description);
        return this;
    }

    /** A seed the result depends on, by what it seeds ("noise", "head", ...). */
    public Provenance optSeed(String name, long value) {
        seeds.put(name, value);
        return this;
    }

    /** Marks the work done (now). */
    public Provenance finish() {
        finished = Instant.now();
        return this;
    }

    /** The record with its fixed keys. */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("diffrep_version", version());
        n.put("git_commit", gitCommit());
        n.put("command", command);
        n.set("command_line", JSON.valueToTree(commandLine));
        n.put("config", config);
        n.put("checkpoint", checkpoint);
        n.put("checkpoint_sha256", checkpointSha256);
        n.put("dataset", dataset);
        n.set("splits", JSON.valueToTree(splits));
        n.set("seeds", JSON.valueToTree(seeds));
        n.set("machine", machine());
        n.put("started", started.toString());
        n.put("finished", finished == null ? null : finished.toString());
        return n;
    }

    /** diffrep's version, from the one resource Maven fills in from the project version. */
    public static String version() {
        try (InputStream in = Provenance.class.getResourceAsStream("/org/diffrep/common/version.properties")) {
            if (in == null) return null;
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version");
            return v == null || v.startsWith("${") ? null : v;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The commit of the checkout diffrep runs from, read from its {@code .git} (no git command, no
     * network): the folder named by {@code -Ddiffrep.home} (the launcher sets it), else the nearest
     * folder above diffrep's classes that holds one. Null outside a checkout.
     */
    public static String gitCommit() {
        List<Path> starts = new ArrayList<>();
        String home = System.getProperty("diffrep.home");
        if (home != null) starts.add(Path.of(home));
        try {
            starts.add(Path.of(Provenance.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // no code source (unusual class loader): only diffrep.home is tried
        }
        for (Path start : starts) {
            for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path git = dir.resolve(".git");
                if (Files.exists(git)) return GitHead.commit(git);
            }
        }
        return null;
    }

    private static ObjectNode machine() {
        ObjectNode m = JSON.createObjectNode();
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            m.put("memory_bytes", os.getTotalMemorySize());
        } else {
            m.putNull("memory_bytes");
        }
        m.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("host", hostName());
        return m;
    }

    private static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) return h;
        try {
            return Files.readString(Path.of("/etc/hostname"), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
