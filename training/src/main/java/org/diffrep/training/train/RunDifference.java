package org.diffrep.training.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.diffrep.common.UserInputException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * What differs between the run a checkpoint was saved from and the run asked for now, field by field
 * ({@code train.batchSize: 8 in the checkpoint, 16 now}), so a refused --resume says why.
 */
public final class RunDifference {
    private RunDifference() {}

    /** One line per differing leaf, by its dotted path; empty when the two describe the same run. */
    public static List<String> between(JsonNode saved, JsonNode current) {
        List<String> out = new ArrayList<>();
        walk("", saved, current, out);
        return out;
    }

    /** Refuses a --resume into {@code out} whose run differs from the one its checkpoint saved. */
    public static void requireSame(Object out, JsonNode saved, JsonNode current) {
        List<String> differences = between(saved, current);
        if (!differences.isEmpty()) throw refusal(out, differences);
    }

    /** The refusal of a --resume whose run differs from the checkpoint's. */
    public static UserInputException refusal(Object out, List<String> differences) {
        return new UserInputException("--resume: the checkpoint in " + out + " is from a different run (" + String.join("; ", differences)
                + "); resume with the run's settings or choose another --out");
    }

    private static void walk(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a != null && b != null && a.isObject() && b.isObject()) {
            TreeSet<String> names = new TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String n : names) walk(path.isEmpty() ? n : path + "." + n, a.get(n), b.get(n), out);
            return;
        }
        // numbers compare by value as text: a parsed document and one built from values differ in node types
        String left = text(a);
        String right = text(b);
        if (!left.equals(right)) out.add(path + ": " + left + " in the checkpoint, " + right + " now");
    }

    private static String text(JsonNode n) {
        if (n == null || n.isMissingNode()) return "(absent)";
        if (n.isValueNode()) return n.isNumber() ? n.numberValue().toString().replaceFirst("\\.0$", "") : n.asText();
        if (n.isArray()) {
            StringBuilder sb = new StringBuilder("[");
            for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) sb.append(text(it.next())).append(it.hasNext() ? ", " : "");
            return sb.append(']').toString();
        }
        return n.toString();
    }
}
