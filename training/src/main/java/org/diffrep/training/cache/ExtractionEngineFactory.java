package org.diffrep.training.cache;

/**
 * Makes an {@link ExtractionEngine} that lives in another module, found on the class path with
 * {@link java.util.ServiceLoader} (diffrep-spark registers "spark"). Implementations must not touch
 * their engine's libraries before {@link #create} is called, so that looking engines up costs nothing.
 */
public interface ExtractionEngineFactory {

    /** The name {@code extract --engine} selects it by. */
    String name();

    /**
     * @param master   where the engine runs its workers (a Spark master URL), or null for its default
     * @param progress show progress while running
     */
    ExtractionEngine create(String master, boolean progress);
}
