package org.diffrep.model.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** Test resources, and hand-made zips and pickles for the bad-input tests. */
final class Fixtures {

    private Fixtures() {}

    static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + name + " missing", e);
        }
    }

    /** key -> shape from a key list such as adm-tiny/model_keys.tsv, in file order. */
    static LinkedHashMap<String, long[]> keyList(Path tsv) throws IOException {
        LinkedHashMap<String, long[]> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(tsv)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t");
            String[] dims = cols[1].split("x");
            long[] shape = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = Long.parseLong(dims[i]);
            }
            keys.put(cols[0], shape);
        }
        return keys;
    }

    static Map<String, byte[]> entries(Path zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            Enumeration<? extends ZipEntry> e = z.entries();
            while (e.hasMoreElements()) {
                ZipEntry entry = e.nextElement();
                out.put(entry.getName(), z.getInputStream(entry).readAllBytes());
            }
        }
        return out;
    }

    /** A zip with stored (uncompressed) entries, as torch writes them. */
    static Path zip(Path target, Map<String, byte[]> entries) throws IOException {
        try (OutputStream file = Files.newOutputStream(target); ZipOutputStream zip = new ZipOutputStream(file)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return target;
    }

    /** A torch-style checkpoint whose archive/data.pkl is the given pickle and nothing else. */
    static Path torchZipWithPickle(Path target, byte[] pickle) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", pickle);
        entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return zip(target, entries);
    }

    /** Writes pickle opcodes by hand, so malicious pickles need no Python. */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        static Pickle proto(int version) {
            Pickle p = new Pickle();
            p.out.write(0x80);
            p.out.write(version);
            return p;
        }

        Pickle op(char opcode) {
            out.write(opcode);
            return this;
        }

        Pickle op(int opcode) {
            out.write(opcode);
            return this;
        }

        /** GLOBAL: module and name as text lines. */
        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        /** INST: like GLOBAL, but instantiates the class with the items since MARK. */
        Pickle inst(String module, String name) {
            op('i');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        /** SHORT_BINUNICODE (protocol 4). */
        Pickle shortUnicode(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op(0x8c);
            out.write(b.length);
            out.writeBytes(b);
            return this;
        }

        /** BINUNICODE with a 4-byte length, which may lie. */
        Pickle unicode(String s, long declaredLength) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            for (int i = 0; i < 4; i++) {
                out.write((int) (declaredLength >>> (8 * i)));
            }
            out.writeBytes(b);
            return this;
        }

        Pickle unicode(String s) {
            return unicode(s, s.getBytes(StandardCharsets.UTF_8).length);
        }

        Pickle binint1(int v) {
            op('K');
            out.write(v);
            return this;
        }

        byte[] stop() {
            op('.');
            return out.toByteArray();
        }
    }
}
