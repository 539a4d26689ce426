package org.diffrep.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.diffrep.model.checkpoint.Fixtures.Pickle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every bad file fails with one readable CheckpointException, and malicious pickles never run. */
class BadInputTest {

    @TempDir
    Path dir;

    private static AbstractThrowableAssert<?, ? extends Throwable> assertReadFails(Path file) {
        assertThatThrownBy(() -> Checkpoints.describe(file)).isInstanceOf(CheckpointException.class);
        return assertThatThrownBy(() -> Checkpoints.read(file)).isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(file.toString())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("razorvine", "Exception"));
    }

    @Test
    void truncatedTorchCheckpoint() throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.resource("adm-tiny/model.pt"));
        for (int length : new int[] {whole.length * 3 / 5, whole.length - 1}) {
            Path cut = Files.write(dir.resolve("cut" + length + ".pt"), Arrays.copyOf(whole, length));
            assertReadFails(cut).hasMessageContaining("truncated");
        }
    }

    @Test
    void truncatedNpz() throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.resource("adm-tiny/model.npz"));
        Path cut = Files.write(dir.resolve("cut.npz"), Arrays.copyOf(whole, whole.length / 2));
        assertReadFails(cut).hasMessageContaining("truncated");
    }

    @Test
    void zipWithoutDataPkl() throws IOException {
        Map<String, byte[]> entries = Fixtures.entries(Fixtures.resource("checkpoint/mixed.pt"));
        entries.remove("mixed/data.pkl");
        Path zip = Fixtures.zip(dir.resolve("nopickle.pt"), entries);
        assertReadFails(zip).hasMessageContaining("data.pkl").hasMessageContaining("not a torch checkpoint");
        assertThatThrownBy(() -> TorchZipReader.read(zip)).hasMessageContaining("data.pkl");
    }

    @Test
    void storageShorterThanItsTensor() throws IOException {
        Map<String, byte[]> entries = Fixtures.entries(Fixtures.resource("checkpoint/mixed.pt"));
        entries.put("mixed/data/0", Arrays.copyOf(entries.get("mixed/data/0"), 200));
        Path zip = Fixtures.zip(dir.resolve("short.pt"), entries);
        assertReadFails(zip).hasMessageContaining("mixed/data/0 is shorter than its tensor 'conv.weight'")
                .hasMessageContaining("needs 432 bytes").hasMessageContaining("holds 200");
    }

    @Test
    void missingStorageRecord() throws IOException {
        Map<String, byte[]> entries = Fixtures.entries(Fixtures.resource("checkpoint/mixed.pt"));
        entries.remove("mixed/data/1");
        Path zip = Fixtures.zip(dir.resolve("nostorage.pt"), entries);
        assertReadFails(zip).hasMessageContaining("mixed/data/1 of tensor 'half' is missing");
    }

    /** Each pickle would run {@code touch <marker>} if its global were honoured. */
    @ParameterizedTest
    @CsvSource({"os,system", "posix,system", "subprocess,Popen", "builtins,eval", "__builtin__,eval", "nt,system"})
    void globalsOutsideTheAllowListAreRefusedAndNothingRuns(String module, String name) throws IOException {
        Path marker = dir.resolve("pwned");
        byte[] globalOpcode = Pickle.proto(2).global(module, name).unicode("touch " + marker).op(0x85).op('R').stop();
        byte[] stackGlobal = Pickle.proto(4).shortUnicode(module).shortUnicode(name).op(0x93)
                .shortUnicode("touch " + marker).op(0x85).op('R').stop();
        byte[] inst = Pickle.proto(0).op('(').unicode("touch " + marker).inst(module, name).stop();
        for (byte[] pickle : new byte[][] {globalOpcode, stackGlobal, inst}) {
            Path file = Fixtures.torchZipWithPickle(dir.resolve("evil.pt"), pickle);
            assertReadFails(file).hasMessageContaining("'" + module + "." + name + "'")
                    .hasMessageContaining("refused, nothing was executed");
            assertThat(marker).doesNotExist();
        }
    }

    /** The refusal must also come when the global hides inside an otherwise valid state_dict. */
    @Test
    void globalNestedInAStateDictValueIsRefused() throws IOException {
        Path marker = dir.resolve("pwned");
        byte[] pickle = Pickle.proto(2).global("collections", "OrderedDict").op(')').op('R')
                .op('(').unicode("weight").global("subprocess", "Popen").unicode("touch " + marker).op(0x85).op('R')
                .op('u').stop();
        Path file = Fixtures.torchZipWithPickle(dir.resolve("nested.pt"), pickle);
        assertReadFails(file).hasMessageContaining("'subprocess.Popen'");
        assertThat(marker).doesNotExist();
    }

    @Test
    void callingAnAllowedNonFunctionIsRefused() throws IOException {
        byte[] pickle = Pickle.proto(2).global("torch", "FloatStorage").op(')').op('R').stop();
        assertReadFails(Fixtures.torchZipWithPickle(dir.resolve("call.pt"), pickle))
                .hasMessageContaining("tries to call the storage type torch.FloatStorage");
    }

    @Test
    void buildOnAnythingButAnOrderedDictIsRefused() throws IOException {
        byte[] pickle = Pickle.proto(2).op(']').op('}').op('b').stop();
        assertReadFails(Fixtures.torchZipWithPickle(dir.resolve("build.pt"), pickle))
                .hasMessageContaining("tries to set the state of");
    }

    @Test
    void oversizedStringLengthIsRejectedBeforeAllocating() throws IOException {
        byte[] pickle = Pickle.proto(2).unicode("x", 0x7ffffff0L).stop();
        assertReadFails(Fixtures.torchZipWithPickle(dir.resolve("huge.pt"), pickle))
                .hasMessageContaining("2147483632-byte value");
    }

    @Test
    void wrappedTrainingCheckpointGetsAHint() throws IOException {
        byte[] pickle = Pickle.proto(2).op('}').unicode("state_dict").op('}').op('s').stop();
        assertReadFails(Fixtures.torchZipWithPickle(dir.resolve("wrapped.pt"), pickle))
                .hasMessageContaining("key 'state_dict' holds a dict, not a tensor")
                .hasMessageContaining("torch.save(ckpt['state_dict'], f)");
    }

    @Test
    void garbledPickle() throws IOException {
        byte[] pickle = Pickle.proto(2).op('(').binint1(1).stop();
        assertReadFails(Fixtures.torchZipWithPickle(dir.resolve("garbled.pt"), Arrays.copyOf(pickle, 4)))
                .hasMessageContaining("archive/data.pkl is not a readable pickle");
    }

    @Test
    void legacyTorchFormat() {
        assertReadFails(Fixtures.resource("checkpoint/legacy.pt"))
                .hasMessageContaining("unsupported legacy torch format")
                .hasMessageContaining("re-save it with torch>=1.6 (torch.save(sd, f))");
    }

    @Test
    void barePickle() throws IOException {
        Path file = Files.write(dir.resolve("bare.pkl"), Pickle.proto(2).op('}').stop());
        assertReadFails(file).hasMessageContaining("bare pickle").hasMessageContaining("torch>=1.6");
    }

    @Test
    void emptyAndUnknownFiles() throws IOException {
        assertReadFails(Files.write(dir.resolve("empty.pt"), new byte[0])).hasMessageEndingWith("is empty");
        assertReadFails(Files.writeString(dir.resolve("text.pt"), "hello")).hasMessageContaining("not a recognised checkpoint");
        assertThatThrownBy(() -> Checkpoints.read(dir.resolve("absent.pt"))).isInstanceOf(CheckpointException.class)
                .hasMessageEndingWith("absent.pt: no such file");
    }

    @Test
    void npzWithBadMagic() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("w.npy", "not an array at all".getBytes(StandardCharsets.US_ASCII));
        assertReadFails(Fixtures.zip(dir.resolve("magic.npz"), entries))
                .hasMessageContaining("w.npy has a bad .npy header: no .npy magic");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3 }|expected ',' or ')'",
            "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }|unsupported dtype '<c8'",
            "{'descr': '<f4', 'shape': (2,), }|'fortran_order' is missing",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }|shape entry -2 is not a size",
            "{'descr': '<f4', 'fortran_order': False, 'shape': __import__('os'), }|unexpected '__import__'",
            "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }|'descr' is missing or not a simple type"})
    void npzWithBadHeader(String header, String message) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("w.npy", npy(header, new byte[8]));
        assertReadFails(Fixtures.zip(dir.resolve("header.npz"), entries))
                .hasMessageContaining("w.npy has a bad .npy header").hasMessageContaining(message);
    }

    @Test
    void npzArrayShorterThanItsHeaderSays() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("w.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new byte[12]));
        assertReadFails(Fixtures.zip(dir.resolve("short.npz"), entries))
                .hasMessageContaining("w.npy is shorter than its array: shape 4 needs 16 data bytes, the entry has 12");
    }

    @Test
    void absentKeyIsNamed() {
        try (StateDict sd = Checkpoints.read(Fixtures.resource("checkpoint/module.pt"))) {
            assertThatThrownBy(() -> sd.get("2.weight")).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("has no tensor '2.weight'");
        }
    }

    /** A version-1 .npy: magic, version, little-endian header length, the dict padded with spaces and a newline. */
    private static byte[] npy(String dict, byte[] data) {
        byte[] header = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[10 + header.length + data.length];
        byte[] lead = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length, (byte) (header.length >> 8)};
        System.arraycopy(lead, 0, out, 0, 10);
        System.arraycopy(header, 0, out, 10, header.length);
        System.arraycopy(data, 0, out, 10 + header.length, data.length);
        return out;
    }
}
