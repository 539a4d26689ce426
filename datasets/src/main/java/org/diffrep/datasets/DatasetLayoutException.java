package org.diffrep.datasets;

import org.diffrep.common.UserInputException;

import java.nio.file.Path;

/**
 * The root does not look like the dataset's official layout. The message names what was
 * expected where, so the user can fix the path without reading the code.
 */
public class DatasetLayoutException extends UserInputException {
    public DatasetLayoutException(String message) {
        super(message);
    }

    public DatasetLayoutException(String message, Throwable cause) {
        super(message, cause);
    }

    static DatasetLayoutException missing(String dataset, Path root, String expected) {
        return new DatasetLayoutException(dataset + ": " + root + " is not a " + dataset + " root: expected " + expected);
    }
}
