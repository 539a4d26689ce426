package org.diffrep.model.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a .npy array: magic, version, then a Python dict literal such as
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }}. Parsed by hand because
 * only that literal subset is legal there and nothing in it may be evaluated.
 *
 * @param length header size in bytes; the data follows it
 */
public record NpyHeader(DType dtype, ByteOrder order, boolean fortranOrder, long[] shape, long length) {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_DICT = 1 << 20;

    /** Reads the header from the start of {@code in}, leaving it positioned at the data. */
    public static NpyHeader read(ReadableByteChannel in, String what) throws IOException {
        ByteBuffer lead = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        ZipIndex.readFully(in, lead, what);
        for (int i = 0; i < MAGIC.length; i++) {
            if (lead.get(i) != MAGIC[i]) {
                throw bad(what, "no .npy magic at its start");
            }
        }
        int major = lead.get(6);
        long dictLength;
        int prefix;
        if (major == 1) {
            dictLength = lead.getShort(8) & 0xffff;
            prefix = 10;
        } else if (major == 2 || major == 3) {
            ByteBuffer wide = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
            ZipIndex.readFully(in, wide, what);
            dictLength = (lead.getShort(8) & 0xffffL) | (wide.getShort(0) & 0xffffL) << 16;
            prefix = 12;
        } else {
            throw bad(what, "unsupported .npy format version " + major);
        }
        if (dictLength > MAX_DICT) {
            throw bad(what, "header of " + dictLength + " bytes");
        }
        ByteBuffer dictBytes = ByteBuffer.allocate((int) dictLength);
        ZipIndex.readFully(in, dictBytes, what);
        String dict = new String(dictBytes.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Object parsed;
        try {
            parsed = new Literal(dict).parse();
        } catch (IllegalArgumentException e) {
            throw bad(what, e.getMessage() + " in " + dict.strip());
        }
        if (!(parsed instanceof Map<?, ?> fields)) {
            throw bad(what, "header is not a dict: " + dict.strip());
        }
        if (!(fields.get("descr") instanceof String descr)) {
            throw bad(what, "'descr' is missing or not a simple type: " + dict.strip());
        }
        if (!(fields.get("fortran_order") instanceof Boolean fortran)) {
            throw bad(what, "'fortran_order' is missing: " + dict.strip());
        }
        if (!(fields.get("shape") instanceof List<?> dims)) {
            throw bad(what, "'shape' is missing or not a tuple: " + dict.strip());
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) {
                throw bad(what, "shape entry " + dims.get(i) + " is not a size");
            }
            shape[i] = d;
        }
        try {
            TensorInfo.numel(shape);
        } catch (ArithmeticException e) {
            throw bad(what, "shape " + dims + " is too large");
        }
        return new NpyHeader(dtype(descr, what), order(descr), fortran, shape, prefix + dictLength);
    }

    /** Bytes per element. */
    public int itemSize() {
        return dtype.size;
    }

    private static DType dtype(String descr, String what) {
        String type = descr.length() == 3 && "<>|=".indexOf(descr.charAt(0)) >= 0 ? descr.substring(1) : "?";
        return switch (type) {
            case "f4" -> DType.FLOAT32;
            case "f8" -> DType.FLOAT64;
            case "f2" -> DType.FLOAT16;
            case "i8" -> DType.INT64;
            case "i4" -> DType.INT32;
            case "i2" -> DType.INT16;
            case "i1" -> DType.INT8;
            case "u1" -> DType.UINT8;
            case "b1" -> DType.BOOL;
            default -> throw bad(what, "unsupported dtype '" + descr + "'");
        };
    }

    private static ByteOrder order(String descr) {
        return switch (descr.charAt(0)) {
            case '<' -> ByteOrder.LITTLE_ENDIAN;
            case '>' -> ByteOrder.BIG_ENDIAN;
            default -> ByteOrder.nativeOrder();
        };
    }

    private static CheckpointException bad(String what, String detail) {
        return new CheckpointException(what + " has a bad .npy header: " + detail);
    }

    /** The Python literal subset numpy writes: dicts, tuples, lists, strings, ints, booleans. */
    private static final class Literal {
        private static final int MAX_DEPTH = 8;
        private final String s;
        private int at;
        private int depth;

        Literal(String s) {
            this.s = s;
        }

        Object parse() {
            Object value = value();
            skipSpace();
            if (at != s.length()) {
                throw new IllegalArgumentException("trailing text at position " + at);
            }
            return value;
        }

        private Object value() {
            skipSpace();
            if (at >= s.length()) {
                throw new IllegalArgumentException("unexpected end");
            }
            char c = s.charAt(at);
            if ((c == '{' || c == '(' || c == '[') && ++depth > MAX_DEPTH) {
                throw new IllegalArgumentException("nesting too deep");
            }
            if (c == '{') {
                Map<Object, Object> map = new LinkedHashMap<>();
                at++;
                while (!closes('}')) {
                    Object key = value();
                    expect(':');
                    map.put(key, value());
                    separator('}');
                }
                depth--;
                return map;
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                List<Object> items = new ArrayList<>();
                at++;
                while (!closes(close)) {
                    items.add(value());
                    separator(close);
                }
                depth--;
                return items;
            }
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, at + 1);
                if (end < 0 || s.lastIndexOf('\\', end) > at) {
                    throw new IllegalArgumentException("unsupported string at position " + at);
                }
                String text = s.substring(at + 1, end);
                at = end + 1;
                return text;
            }
            int start = at;
            while (at < s.length() && (Character.isLetterOrDigit(s.charAt(at)) || s.charAt(at) == '-' || s.charAt(at) == '_')) {
                at++;
            }
            String word = s.substring(start, at);
            switch (word) {
                case "True":
                    return Boolean.TRUE;
                case "False":
                    return Boolean.FALSE;
                default:
                    // numpy writes sizes as Python ints, sometimes with a legacy 'L' suffix.
                    String digits = word.endsWith("L") ? word.substring(0, word.length() - 1) : word;
                    try {
                        return Long.parseLong(digits);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("unexpected '" + word + "' at position " + start);
                    }
            }
        }

        private boolean closes(char close) {
            skipSpace();
            if (at < s.length() && s.charAt(at) == close) {
                at++;
                return true;
            }
            return false;
        }

        private void separator(char close) {
            skipSpace();
            if (at < s.length() && s.charAt(at) == ',') {
                at++;
            } else if (at >= s.length() || s.charAt(at) != close) {
                throw new IllegalArgumentException("expected ',' or '" + close + "' at position " + at);
            }
        }

        private void expect(char c) {
            skipSpace();
            if (at >= s.length() || s.charAt(at) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at position " + at);
            }
            at++;
        }

        private void skipSpace() {
            while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
                at++;
            }
        }
    }
}
