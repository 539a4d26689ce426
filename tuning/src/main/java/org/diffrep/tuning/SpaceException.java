package org.diffrep.tuning;

import org.diffrep.common.UserInputException;
/** A search-space file that cannot be used; the message names the offending field. */
public final class SpaceException extends UserInputException {
    public SpaceException(String field, String problem) {
        super("field '" + field + "': " + problem);
    }

    public SpaceException(String message) {
        super(message);
    }
}
