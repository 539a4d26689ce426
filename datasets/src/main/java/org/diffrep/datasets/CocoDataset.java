package org.diffrep.datasets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * COCO 2017 instances: {@code {train,val}2017/*.jpg} and {@code annotations/instances_{train,val}2017.json}.
 * The JSON is streamed (the train file is 450 MB); each object's segmentation is not kept in memory
 * but remembered as a byte range of the file and parsed when its mask is needed. The 80 category
 * ids (sparse in 1..90) map to 0..79 in ascending id order. Images without annotations are kept,
 * as pycocotools' {@code getImgIds()} lists them.
 */
public final class CocoDataset extends AbstractDataset {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path dir;
    private final Map<Integer, Integer> categoryIndex = new HashMap<>();
    private final List<String> classNames;

    private CocoDataset(Path root, Path dir) {
        super("coco", root, Task.INSTANCE_SEGMENTATION, List.of("train", "val"), "train", "val");
        this.dir = dir;
        for (String split : splits()) {
            annotationFile(split);
        }
        Map<Integer, String> categories = readCategories(annotationFile("val"));
        List<String> names = new ArrayList<>();
        for (Map.Entry<Integer, String> e : categories.entrySet()) {
            categoryIndex.put(e.getKey(), names.size());
            names.add(e.getValue());
        }
        this.classNames = List.copyOf(names);
    }

    public static CocoDataset open(Path root) {
        Path dir = Layout.firstContaining("annotations", root, root.resolve("coco"));
        return new CocoDataset(root, dir == null ? root : dir);
    }

    private Path annotationFile(String split) {
        return Layout.requireFile(name(), root(), dir.resolve("annotations/instances_" + split + "2017.json"),
                "annotations/instances_{train,val}2017.json and the train2017/, val2017/ image folders");
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    private static Map<Integer, String> readCategories(Path file) {
        Map<Integer, String> out = new TreeMap<>();
        stream(file, (field, p) -> {
            if (!field.equals("categories")) {
                return false;
            }
            forEachObject(p, file, () -> {
                Integer id = null;
                String name = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    p.nextToken();
                    switch (f) {
                        case "id" -> id = p.getIntValue();
                        case "name" -> name = p.getText();
                        default -> p.skipChildren();
                    }
                }
                if (id == null || name == null) {
                    throw new DatasetLayoutException(file + ": a category lacks id or name");
                }
                out.put(id, name);
            });
            return true;
        });
        if (out.isEmpty()) {
            throw new DatasetLayoutException(file + ": no \"categories\"");
        }
        return out;
    }

    private record Image(String fileName, int width, int height) {}

    private record RawObject(long id, long imageId, int categoryId, boolean crowd, float[] box, long offset, int length) {}

    @Override
    protected List<Sample> load(String split) {
        Path file = annotationFile(split);
        Path images = Layout.requireDir(name(), root(), dir.resolve(split + "2017"), split + "2017/*.jpg");
        Map<Long, Image> imageById = new LinkedHashMap<>();
        List<RawObject> raw = new ArrayList<>();
        stream(file, (field, p) -> {
            switch (field) {
                case "images" -> forEachObject(p, file, () -> {
                    long id = -1;
                    String name = null;
                    int w = 0;
                    int h = 0;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        switch (f) {
                            case "id" -> id = p.getLongValue();
                            case "file_name" -> name = p.getText();
                            case "width" -> w = p.getIntValue();
                            case "height" -> h = p.getIntValue();
                            default -> p.skipChildren();
                        }
                    }
                    if (id < 0 || name == null || w <= 0 || h <= 0) {
                        throw new DatasetLayoutException(file + ": an image entry lacks id, file_name, width or height");
                    }
                    imageById.put(id, new Image(name, w, h));
                });
                case "annotations" -> forEachObject(p, file, () -> raw.add(readObject(p, file)));
                default -> {
                    return false;
                }
            }
            return true;
        });

        Map<Long, List<CocoObject>> objectsByImage = new HashMap<>();
        for (RawObject r : raw) {
            Image img = imageById.get(r.imageId);
            Integer category = categoryIndex.get(r.categoryId);
            if (img == null || category == null) {
                throw new DatasetLayoutException(file + ": annotation " + r.id + " refers to "
                        + (img == null ? "unknown image " + r.imageId : "unknown category " + r.categoryId));
            }
            CocoMask mask = new JsonSegmentation(file, r.offset, r.length, img.height, img.width);
            objectsByImage.computeIfAbsent(r.imageId, k -> new ArrayList<>())
                    .add(new CocoObject(r.id, category, r.crowd, r.box[0], r.box[1], r.box[2], r.box[3], mask));
        }
        List<Sample> out = new ArrayList<>(imageById.size());
        imageById.forEach((id, img) -> out.add(Sample.withObjects(split + "2017/" + img.fileName,
                images.resolve(img.fileName), objectsByImage.getOrDefault(id, List.of()))));
        return out;
    }

    private static RawObject readObject(JsonParser p, Path file) throws IOException {
        long id = -1;
        long imageId = -1;
        int categoryId = -1;
        boolean crowd = false;
        float[] box = null;
        long offset = -1;
        int length = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            switch (f) {
                case "id" -> id = p.getLongValue();
                case "image_id" -> imageId = p.getLongValue();
                case "category_id" -> categoryId = p.getIntValue();
                case "iscrowd" -> crowd = p.getIntValue() != 0;
                case "bbox" -> {
                    box = new float[4];
                    int i = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        if (i < 4) {
                            box[i] = p.getFloatValue();
                        }
                        i++;
                    }
                }
                case "segmentation" -> {
                    offset = p.currentTokenLocation().getByteOffset();
                    p.skipChildren();
                    length = (int) (p.currentTokenLocation().getByteOffset() + 1 - offset);
                }
                default -> p.skipChildren();
            }
        }
        if (imageId < 0 || categoryId < 0 || box == null || offset < 0) {
            throw new DatasetLayoutException(file + ": annotation " + id + " lacks image_id, category_id, bbox or segmentation");
        }
        return new RawObject(id, imageId, categoryId, crowd, box, offset, length);
    }

    private interface FieldHandler {
        /** Consumes the value of a top-level field and returns true, or returns false to have it skipped. */
        boolean handle(String field, JsonParser p) throws IOException;
    }

    private interface Body {
        void run() throws IOException;
    }

    private static void stream(Path file, FieldHandler handler) {
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new DatasetLayoutException(file + ": not a COCO annotation file (expected a JSON object)");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (!handler.handle(field, p)) {
                    p.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new DatasetLayoutException(file + ": malformed JSON: " + e.getOriginalMessage()
                    + " at byte " + e.getLocation().getByteOffset(), e);
        } catch (IOException e) {
            throw new DatasetLayoutException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void forEachObject(JsonParser p, Path file, Body body) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new DatasetLayoutException(file + ": expected an array at byte " + p.currentTokenLocation().getByteOffset());
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
            body.run();
        }
    }

    /** A segmentation kept as its byte range in the annotation file. */
    private record JsonSegmentation(Path file, long offset, int length, int height, int width) implements CocoMask {
        @Override
        public byte[] decode() {
            JsonNode seg;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.allocate(length);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, offset + buf.position()) < 0) {
                        throw new IOException("file ended inside a segmentation");
                    }
                }
                seg = MAPPER.readTree(buf.array());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the segmentation at byte " + offset + " of " + file, e);
            }
            if (seg.isArray()) {
                List<double[]> polygons = new ArrayList<>();
                for (JsonNode poly : seg) {
                    double[] xy = new double[poly.size()];
                    for (int i = 0; i < xy.length; i++) {
                        xy[i] = poly.get(i).asDouble();
                    }
                    polygons.add(xy);
                }
                return CocoMasks.polygonsToMask(polygons, height, width);
            }
            JsonNode size = seg.get("size");
            JsonNode counts = seg.get("counts");
            if (size == null || counts == null || size.size() != 2) {
                throw new IllegalArgumentException("segmentation at byte " + offset + " of " + file
                        + " is neither polygons nor an RLE {counts, size}");
            }
            int h = size.get(0).asInt();
            int w = size.get(1).asInt();
            if (h != height || w != width) {
                throw new IllegalArgumentException("RLE size " + h + "x" + w + " differs from the image's " + height + "x" + width);
            }
            int[] c;
            if (counts.isTextual()) {
                c = CocoMasks.decodeRleString(counts.asText());
            } else {
                c = new int[counts.size()];
                for (int i = 0; i < c.length; i++) {
                    c[i] = counts.get(i).asInt();
                }
            }
            return CocoMasks.rleToMask(c, h, w);
        }
    }
}
