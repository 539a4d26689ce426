package org.diffrep.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * What the log shows on stderr. The libraries' own log (ND4J, DataVec, JavaCPP) is hidden below
 * ERROR by logback.xml, since a user cannot act on it (e.g. ND4J's "No fields found for property
 * name dimensions" once per op): {@code --verbose} shows it at INFO. diffrep's own log is at INFO
 * (what is read and extracted where, each epoch): {@code --quiet} keeps its warnings and errors only.
 */
final class ConsoleLog {
    private ConsoleLog() {}

    static final List<String> LIBRARIES = List.of("org.nd4j", "org.deeplearning4j", "org.datavec", "org.bytedeco", "org.reflections");
    static final String DIFFREP = "org.diffrep";

    static void showLibraries() {
        for (String name : LIBRARIES) setLevel(name, Level.INFO);
    }

    static void onlyDiffrepsWarnings() {
        setLevel(DIFFREP, Level.WARN);
    }

    private static void setLevel(String name, Level level) {
        if (LoggerFactory.getLogger(name) instanceof Logger logger) logger.setLevel(level);
    }
}
