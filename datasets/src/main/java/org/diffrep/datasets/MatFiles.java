package org.diffrep.datasets;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.types.Array;
import us.hebi.matlab.mat.types.Cell;
import us.hebi.matlab.mat.types.Char;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.Matrix;
import us.hebi.matlab.mat.types.Struct;

/** Reads the MATLAB v5 annotation files of Cars, Dogs, Flowers and the ImageNet devkit with MFL. */
final class MatFiles {
    private MatFiles() {}

    static MatFile read(Path file) {
        try {
            return Mat5.readFromFile(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new DatasetLayoutException("cannot read MATLAB file " + file + " (expected a MAT v5 file): " + e.getMessage(), e);
        }
    }

    static <T extends Array> T variable(MatFile mat, String name, Class<T> type, Path file) {
        for (MatFile.Entry e : mat.getEntries()) {
            if (e.getName().equals(name)) {
                Array value = e.getValue();
                if (!type.isInstance(value)) {
                    throw new DatasetLayoutException(file + ": variable '" + name + "' is a " + value.getType()
                            + ", expected " + type.getSimpleName());
                }
                return type.cast(value);
            }
        }
        throw new DatasetLayoutException(file + ": no variable '" + name + "'");
    }

    /** Every element of a numeric array (any MATLAB numeric class), in MATLAB's linear order. */
    static int[] ints(Matrix m) {
        int[] out = new int[m.getNumElements()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) Math.round(m.getDouble(i));
        }
        return out;
    }

    static int intField(Struct s, String field, int index, Path file) {
        Array a = field(s, field, index, file);
        if (!(a instanceof Matrix m) || m.getNumElements() < 1) {
            throw new DatasetLayoutException(file + ": field '" + field + "' of element " + (index + 1) + " is not a number");
        }
        return (int) Math.round(m.getDouble(0));
    }

    static String stringField(Struct s, String field, int index, Path file) {
        Array a = field(s, field, index, file);
        if (!(a instanceof Char c)) {
            throw new DatasetLayoutException(file + ": field '" + field + "' of element " + (index + 1) + " is not text");
        }
        return c.getString().strip();
    }

    private static Array field(Struct s, String field, int index, Path file) {
        if (!s.getFieldNames().contains(field)) {
            throw new DatasetLayoutException(file + ": struct has no field '" + field + "' (fields: " + s.getFieldNames() + ")");
        }
        return s.get(field, index);
    }

    /** Text elements of a cell array, unwrapping the 1x1 cells some files nest them in. */
    static List<String> strings(Cell cell, Path file) {
        List<String> out = new ArrayList<>(cell.getNumElements());
        for (int i = 0; i < cell.getNumElements(); i++) {
            Array a = cell.get(i);
            while (a instanceof Cell inner && inner.getNumElements() == 1) {
                a = inner.get(0);
            }
            if (!(a instanceof Char c)) {
                throw new DatasetLayoutException(file + ": cell element " + (i + 1) + " is not text");
            }
            out.add(c.getString().strip());
        }
        return out;
    }
}
