package org.diffrep.model.checkpoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Compares the tensors of a checkpoint with the keys and shapes a model configuration expects. */
public final class StateDictCheck {

    private StateDictCheck() {}

    /** One key that does not fit; {@code expected} is null for an unexpected key, {@code actual} for a missing one. */
    public record Mismatch(String key, long[] expected, long[] actual) {

        @Override
        public String toString() {
            if (actual == null) {
                return "missing " + key + " (expected " + TensorInfo.formatShape(expected) + ")";
            }
            if (expected == null) {
                return "unexpected " + key + " (" + TensorInfo.formatShape(actual) + ")";
            }
            return "wrong shape " + key + ": expected " + TensorInfo.formatShape(expected)
                    + ", actual " + TensorInfo.formatShape(actual);
        }
    }

    /** Mismatches in checkpoint order (missing ones in the expected order). */
    public record Result(List<Mismatch> missing, List<Mismatch> unexpected, List<Mismatch> wrongShape) {

        public boolean matches() {
            return missing.isEmpty() && unexpected.isEmpty() && wrongShape.isEmpty();
        }

        public List<Mismatch> all() {
            List<Mismatch> all = new ArrayList<>(missing);
            all.addAll(wrongShape);
            all.addAll(unexpected);
            return all;
        }

        public String summary() {
            return missing.size() + " missing, " + unexpected.size() + " unexpected, " + wrongShape.size() + " wrong-shape";
        }
    }

    public static Result compare(StateDict stateDict, Map<String, long[]> expected) {
        return compare(stateDict.tensors(), expected);
    }

    public static Result compare(List<TensorInfo> actual, Map<String, long[]> expected) {
        Map<String, long[]> found = new LinkedHashMap<>();
        actual.forEach(t -> found.put(t.key(), t.shape()));
        List<Mismatch> missing = new ArrayList<>();
        List<Mismatch> unexpected = new ArrayList<>();
        List<Mismatch> wrongShape = new ArrayList<>();
        expected.forEach((key, shape) -> {
            if (!found.containsKey(key)) {
                missing.add(new Mismatch(key, shape.clone(), null));
            }
        });
        found.forEach((key, shape) -> {
            long[] want = expected.get(key);
            if (want == null) {
                unexpected.add(new Mismatch(key, null, shape));
            } else if (!Arrays.equals(want, shape)) {
                wrongShape.add(new Mismatch(key, want.clone(), shape));
            }
        });
        return new Result(missing, unexpected, wrongShape);
    }

    /**
     * For model builders: fails with one message naming every mismatching key, with expected and
     * actual shape, unless the checkpoint fits {@code expected} exactly.
     *
     * @param configName how the expected layout is called in the message, e.g. "adm256-uncond"
     */
    public static void requireMatch(StateDict stateDict, Map<String, long[]> expected, String configName) {
        Result r = compare(stateDict, expected);
        if (r.matches()) {
            return;
        }
        StringBuilder msg = new StringBuilder(stateDict.source()).append(" does not fit config ").append(configName)
                .append(" (").append(r.summary()).append(" tensors):");
        r.all().forEach(m -> msg.append("\n  ").append(m));
        throw new CheckpointException(msg.toString());
    }
}
