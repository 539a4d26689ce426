package org.diffrep.training.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A writer's claim on one shard: a lock file created exclusively, holding the owner's host, pid,
 * start time and a unique token; its modification time is the owner's heartbeat, refreshed while
 * the claim is held. A claim is stale when its owner is gone: same host and the pid no longer runs,
 * or no heartbeat for {@link #STALE_AFTER} (a writer on another host that died). A stale claim is
 * taken over by renaming its file to a name of the new owner's own, reading back what was moved and
 * only then creating a fresh one, so two writers that both judge one claim stale cannot both win.
 * A file system without exclusive create or atomic rename (some object stores) is not supported.
 */
final class ShardLock implements AutoCloseable {

    /** No heartbeat for this long and the owner is taken for dead, whatever host it ran on. */
    static final Duration STALE_AFTER = Duration.ofMinutes(10);
    /** How often a held claim refreshes its heartbeat (well inside {@link #STALE_AFTER}). */
    static final Duration HEARTBEAT = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HOST = hostName();
    private static final ScheduledExecutorService BEATS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "shard-lock-heartbeat");
        t.setDaemon(true);
        return t;
    });

    /** Who holds a lock file, as written in it. */
    record Owner(String host, long pid, Instant started, String token) {
        boolean isDeadOnThisHost() {
            return host.equals(HOST) && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        }

        @Override
        public String toString() {
            return "pid " + pid + " on " + host + " since " + started;
        }
    }

    private final Path file;
    private final Owner owner;
    private final ScheduledFuture<?> heartbeat;
    private boolean released;

    private ShardLock(Path file, Owner owner) {
        this.file = file;
        this.owner = owner;
        this.heartbeat = BEATS.scheduleAtFixedRate(this::beat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** This process's identity as lock owners record it. */
    static String host() {
        return HOST;
    }

    /**
     * Claims {@code file}: creates it when absent, takes it over when its owner is dead, else
     * returns empty (a live writer holds it).
     */
    static Optional<ShardLock> tryClaim(Path file) throws IOException {
        Owner me = new Owner(HOST, ProcessHandle.current().pid(), Instant.now(), UUID.randomUUID().toString());
        for (int attempt = 0; attempt < 3; attempt++) {
            if (create(file, me)) return Optional.of(new ShardLock(file, me));
            Optional<Owner> holder = read(file);
            if (holder.isEmpty() && !Files.exists(file)) continue;   // released meanwhile: create again
            if (!isStale(file, holder.orElse(null))) return Optional.empty();
            if (!takeOver(file, holder.orElse(null), me)) return Optional.empty();
        }
        return Optional.empty();
    }

    /** The owner recorded in a lock file; empty when there is none or it is not (yet) complete. */
    static Optional<Owner> read(Path file) throws IOException {
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(file));
            if (n == null || !n.hasNonNull("token")) return Optional.empty();
            return Optional.of(new Owner(n.path("host").asText(), n.path("pid").asLong(), Instant.parse(n.path("started").asText()),
                    n.path("token").asText()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (com.fasterxml.jackson.core.JacksonException | java.time.format.DateTimeParseException e) {
            // a creator writes its lock file right after creating it: a torn file reads as no owner yet
            return Optional.empty();
        }
    }

    /**
     * Whether a lock file's owner is gone: dead on this host, or silent for {@link #STALE_AFTER}. A
     * file without an owner (null: its creator died between creating and writing it) is stale once
     * it is that old too.
     */
    static boolean isStale(Path file, Owner owner) throws IOException {
        if (owner != null && owner.isDeadOnThisHost()) return true;
        try {
            return Files.getLastModifiedTime(file).toInstant().isBefore(Instant.now().minus(STALE_AFTER));
        } catch (NoSuchFileException e) {
            return true;
        }
    }

    private static boolean create(Path file, Owner me) throws IOException {
        try {
            Files.write(file, json(me), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Moves the stale file aside under a name only {@code me} uses; succeeds only if what moved is the stale owner's. */
    private static boolean takeOver(Path file, Owner stale, Owner me) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + "." + me.token() + ".stale");
        try {
            Files.move(file, aside);
        } catch (NoSuchFileException e) {
            return true;   // someone removed it: creating again decides
        }
        Optional<Owner> moved = read(aside);
        String expected = stale == null ? null : stale.token();
        if (!java.util.Objects.equals(moved.map(Owner::token).orElse(null), expected)) {
            // another writer took the claim over between our read and our move: give it back
            try {
                Files.move(aside, file);
            } catch (FileAlreadyExistsException e) {
                Files.deleteIfExists(aside);
            }
            return false;
        }
        Files.deleteIfExists(aside);
        return true;
    }

    private static byte[] json(Owner o) {
        ObjectNode n = JSON.createObjectNode();
        n.put("host", o.host()).put("pid", o.pid()).put("started", o.started().toString()).put("token", o.token());
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void beat() {
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // the next beat tries again; a claim silent for STALE_AFTER may be taken over, which costs work, not data
        }
    }

    /** Releases the claim: removes the lock file if it is still this owner's. */
    @Override
    public void close() {
        if (released) return;
        released = true;
        heartbeat.cancel(false);
        try {
            Optional<Owner> now = read(file);
            if (now.isPresent() && now.get().token().equals(owner.token())) Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release shard lock " + file, e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return System.getenv().getOrDefault("HOSTNAME", "unknown-host");
        }
    }
}
