package org.diffrep.model.checkpoint;

import org.diffrep.common.UserInputException;
/**
 * A checkpoint could not be read or does not match what the model expects. The message is meant
 * for the user as is: it names the file, key or pickle global at fault, never parser internals.
 * Unchecked so that model builders can pass it through without declaring it.
 */
public class CheckpointException extends UserInputException {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
