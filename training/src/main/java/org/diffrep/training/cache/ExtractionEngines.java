package org.diffrep.training.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The extraction engines by name: "local" (this process) and those other modules register. */
public final class ExtractionEngines {

    public static final String LOCAL = "local";

    private ExtractionEngines() {}

    /** Every engine name this class path offers, "local" first. */
    public static List<String> names() {
        List<String> names = new ArrayList<>(List.of(LOCAL));
        for (ExtractionEngineFactory f : ServiceLoader.load(ExtractionEngineFactory.class)) names.add(f.name());
        return names;
    }

    /**
     * @throws IllegalArgumentException for a name no module on the class path registers
     */
    public static ExtractionEngine create(String name, String master, boolean progress) {
        if (name.equals(LOCAL)) {
            if (master != null) throw new IllegalArgumentException("--master is for distributed engines; the local engine runs in this process");
            return new LocalExtractionEngine().optProgress(progress);
        }
        for (ExtractionEngineFactory f : ServiceLoader.load(ExtractionEngineFactory.class)) {
            if (f.name().equals(name)) return f.create(master, progress);
        }
        throw new IllegalArgumentException("unknown extraction engine '" + name + "': this installation offers " + names()
                + (name.equals("spark") ? " (the spark engine is in the diffrep-spark module, which bin/diffrep includes)" : ""));
    }
}
