package org.diffrep.spark;

import org.diffrep.training.cache.ExtractionEngine;
import org.diffrep.training.cache.ExtractionEngineFactory;

/**
 * Registers {@code extract --engine spark}. Refers to no Spark class itself: looking engines up
 * (which instantiates every factory) leaves a local run free of Spark's start-up cost.
 */
public final class SparkEngineFactory implements ExtractionEngineFactory {

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public ExtractionEngine create(String master, boolean progress) {
        return new SparkExtractionEngine(master);
    }
}
