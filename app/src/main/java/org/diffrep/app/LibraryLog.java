package org.diffrep.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The libraries' own log (ND4J, DataVec, JavaCPP): hidden below ERROR by logback.xml, since a user
 * cannot act on it (e.g. ND4J's "No fields found for property name dimensions" once per op);
 * {@code --verbose} shows it at INFO.
 */
final class LibraryLog {
    private LibraryLog() {}

    static final List<String> LIBRARIES = List.of("org.nd4j", "org.deeplearning4j", "org.datavec", "org.bytedeco", "org.reflections");

    static void show() {
        for (String name : LIBRARIES) {
            if (LoggerFactory.getLogger(name) instanceof Logger logger) logger.setLevel(Level.INFO);
        }
    }
}
