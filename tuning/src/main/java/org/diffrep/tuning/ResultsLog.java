package org.diffrep.tuning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.UserInputException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code results.jsonl}: one JSON object per finished candidate, appended and forced to disk as the
 * candidate ends, so a killed sweep keeps everything but the candidate that was running. Every line
 * carries the sweep's fingerprint (model, weights, data, shared recipe); a file holding another
 * fingerprint is refused rather than mixed. A last line cut short by a kill is dropped on open.
 */
final class ResultsLog implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final String fingerprint;
    private final Map<String, SweepResult> finished = new LinkedHashMap<>();
    private final FileChannel out;

    private ResultsLog(Path file, String fingerprint) throws IOException {
        this.file = file;
        this.fingerprint = fingerprint;
        if (Files.exists(file)) readExisting();
        this.out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    static ResultsLog open(Path file, String fingerprint) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return new ResultsLog(file, fingerprint);
    }

    private void readExisting() throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') end--;
        if (end < bytes.length) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(end);
            }
        }
        List<String> lines = new String(bytes, 0, end, StandardCharsets.UTF_8).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                throw new UserInputException(file + " line " + (i + 1) + " is not JSON: " + e.getMessage());
            }
            if (!fingerprint.equals(n.path("sweep").asText())) {
                throw new UserInputException(file + " holds results of another sweep (model, weights, data or training recipe differ): "
                        + "choose another --out or delete it");
            }
            SweepResult r = fromJson(n);
            finished.put(r.candidate().id(), r);
        }
    }

    static SweepResult fromJson(JsonNode n) {
        SweepCandidate c = new SweepCandidate(n.get("t").asInt(), n.get("block").asInt(), n.get("pool").asText(), n.get("lr").asDouble(),
                n.get("head").asText());
        return new SweepResult(c, n.get("score").asDouble(), n.get("top5").asDouble(), n.get("eval_loss").asDouble(),
                n.get("train_loss").asDouble(), n.get("epochs").asInt(), n.get("seconds").asDouble());
    }

    /** Results already on disk, by candidate id. */
    Map<String, SweepResult> finished() {
        return finished;
    }

    /** Appends one line and forces it to disk before returning. */
    void append(SweepResult r, JsonNode config) throws IOException {
        SweepCandidate c = r.candidate();
        ObjectNode n = JSON.createObjectNode();
        n.put("id", c.id());
        n.put("t", c.t());
        n.put("block", c.block());
        n.put("pool", c.pool());
        n.put("lr", c.lr());
        n.put("head", c.head());
        n.put("score", r.score());
        n.put("top5", r.top5());
        n.put("eval_loss", r.evalLoss());
        n.put("train_loss", r.trainLoss());
        n.put("epochs", r.epochs());
        n.put("seconds", r.seconds());
        n.put("finished", Instant.now().toString());
        n.put("sweep", fingerprint);
        n.set("config", config);
        ByteBuffer line = ByteBuffer.wrap((JSON.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8));
        while (line.hasRemaining()) out.write(line);
        out.force(false);
        finished.put(c.id(), r);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
