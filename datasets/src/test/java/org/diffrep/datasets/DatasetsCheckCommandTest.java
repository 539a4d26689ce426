package org.diffrep.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffrep.common.cli.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DatasetsCheckCommandTest {
    @TempDir
    Path root;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(new DatasetsCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void jsonIsExactlyOneObjectWithSplitsAndUnreadableFiles() throws Exception {
        List<Path> images = Fixtures.cub(root, 3, 4, 3);
        Fixtures.truncate(images.get(5));
        Run r = run("check", "--dataset", "cub", "--root", root.toString(), "--json", "--max-unreadable", "0.2");
        assertThat(r.exit).isZero();
        assertThat(r.out.strip().lines()).hasSize(1);
        JsonNode json = new ObjectMapper().readTree(r.out);
        assertThat(json.fieldNames()).toIterable().containsExactly("dataset", "splits", "unreadable");
        assertThat(json.get("dataset").asText()).isEqualTo("cub");
        assertThat(json.get("splits").fieldNames()).toIterable().containsExactly("train", "test");
        assertThat(json.at("/splits/train/images").asInt()).isEqualTo(9);
        assertThat(json.at("/splits/train/classes").asInt()).isEqualTo(3);
        assertThat(json.at("/splits/test/images").asInt()).isEqualTo(3);
        assertThat(json.get("unreadable")).hasSize(1);
        assertThat(json.get("unreadable").get(0).asText()).isEqualTo(images.get(5).toString());
    }

    @Test
    void tooManyUnreadableFilesFailWithExitCodeOneAndAReadableTable() throws Exception {
        List<Path> images = Fixtures.cub(root, 2, 3, 2);
        Files.write(images.get(0), new byte[] {0, 1, 2, 3});
        Run r = run("check", "--dataset", "cub", "--root", root.toString());
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.out).contains("train").contains("not an image").contains("FAILED: cub train: 1 of 4 files unreadable");
    }

    @Test
    void decodeModeRunsTheFullDecoder() throws Exception {
        Fixtures.cub(root, 2, 2, 1);
        Run r = run("check", "--dataset", "cub", "--root", root.toString(), "--decode", "--json");
        assertThat(r.exit).isZero();
        assertThat(new ObjectMapper().readTree(r.out).get("unreadable")).isEmpty();
    }

    @Test
    void fashionMnistAndCocoReportTheirOfficialSplits() throws Exception {
        Path fm = root.resolve("fm");
        Files.createDirectories(fm);
        byte[] header3 = {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28};
        byte[] images = new byte[16 + 784];
        System.arraycopy(header3, 0, images, 0, 16);
        for (String split : new String[] {"train", "t10k"}) {
            Files.write(fm.resolve(split + "-images-idx3-ubyte"), images);
            Files.write(fm.resolve(split + "-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 1, 4});
        }
        JsonNode json = new ObjectMapper().readTree(run("check", "--dataset", "fashion-mnist", "--root", fm.toString(), "--json").out);
        assertThat(json.at("/splits/train/images").asInt()).isEqualTo(1);
        assertThat(json.at("/splits/test/classes").asInt()).isEqualTo(1);

        Path coco = root.resolve("coco");
        String ann = """
                {"images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 3}],
                 "annotations": [{"id": 5, "image_id": 1, "category_id": 3, "iscrowd": 0, "bbox": [0, 0, 2, 2],
                                  "segmentation": [[0, 0, 2, 0, 2, 2]]}],
                 "categories": [{"id": 3, "name": "car"}, {"id": 1, "name": "person"}]}
                """;
        Fixtures.write(coco.resolve("annotations/instances_train2017.json"), ann);
        Fixtures.write(coco.resolve("annotations/instances_val2017.json"), ann);
        Fixtures.jpeg(coco.resolve("train2017/a.jpg"), 4, 3, java.awt.Color.RED);
        Files.createDirectories(coco.resolve("val2017"));
        Run r = run("check", "--dataset", "coco", "--root", coco.toString(), "--json");
        json = new ObjectMapper().readTree(r.out);
        assertThat(json.at("/splits/train/images").asInt()).isEqualTo(1);
        assertThat(json.at("/splits/train/classes").asInt()).isEqualTo(1);
        // val2017/a.jpg was never written
        assertThat(json.get("unreadable").get(0).asText()).endsWith("val2017/a.jpg".replace('/', java.io.File.separatorChar));
        assertThat(r.exit).isEqualTo(1);
    }

    @Test
    void wrongRootOrUnknownNameGivesOneClearMessageAndExitCodeTwo() {
        Run r = run("check", "--dataset", "flowers", "--root", root.toString(), "--json");
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.out).isEmpty();
        assertThat(r.err.strip().lines()).hasSize(1);
        assertThat(r.err).contains("imagelabels.mat").contains(root.toString());
        Run unknown = run("check", "--dataset", "mnist", "--root", root.toString());
        assertThat(unknown.exit).isEqualTo(2);
        assertThat(unknown.err).contains("unknown dataset \"mnist\"").contains("fashion-mnist");
    }

    @Test
    void everyRegisteredNameIsAcceptedByTheRegistry() {
        for (String name : DatasetRegistry.NAMES) {
            Run r = run("check", "--dataset", name, "--root", root.resolve("missing").toString());
            assertThat(r.exit).as(name).isEqualTo(2);
            assertThat(r.err).as(name).contains(name + ": root").contains("does not exist");
        }
        assertThat(DatasetRegistry.NAMES).hasSize(13);
    }
}
