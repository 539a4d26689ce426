package org.diffrep.datasets;

/** One image (or its label file) cannot be used; the loader skips it and records the reason. */
public class UnreadableImageException extends Exception {
    private final String path;

    public UnreadableImageException(String path, String reason) {
        super(reason);
        this.path = path;
    }

    public String path() {
        return path;
    }

    public String reason() {
        return getMessage();
    }
}
