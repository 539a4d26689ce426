package org.diffrep.model.unet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Named ADM configs (timm-style registry); {@link #resolve} also accepts a {@code config.json} path. */
public final class AdmConfigs {
    private AdmConfigs() {}

    private static final Map<String, AdmConfig> REGISTRY = new LinkedHashMap<>();

    static {
        // guided-diffusion's 256x256_diffusion_uncond.pt flags (the paper's backbone)
        register(new AdmConfig("adm-256-uncond", 256, 3, 256, 6, 2, List.of(32, 16, 8),
                AdmConfig.defaultChannelMult(256), 4, 64, -1, true, true, true, false, 32, 1e-5));
        // the adm-tiny fixture: same 37-block tree as adm-256-uncond at 32 channels and 64 px
        register(new AdmConfig("adm-tiny", 64, 3, 32, 6, 2, List.of(8, 4, 2),
                List.of(1.0, 1.0, 1.0, 1.0, 1.0, 1.0), 1, 8, -1, true, true, true, false, 32, 1e-5));
        register(new AdmConfig("adm-fmnist", 32, 1, 32, 1, 2, List.of(16, 8), List.of(1.0, 2.0, 2.0), 4, 32, -1, true, true, true, false, 32, 1e-5));
    }

    public static void register(AdmConfig config) {
        REGISTRY.put(config.name(), config);
    }

    public static Map<String, AdmConfig> all() {
        return Collections.unmodifiableMap(REGISTRY);
    }

    public static AdmConfig get(String name) {
        AdmConfig c = REGISTRY.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown config '" + name + "'; known: " + REGISTRY.keySet()
                    + " (or pass the path of a config.json)");
        }
        return c;
    }

    /** A registered name, or the path of a config.json in guided-diffusion flag names. */
    public static AdmConfig resolve(String nameOrPath) {
        if (REGISTRY.containsKey(nameOrPath)) return REGISTRY.get(nameOrPath);
        Path p = Path.of(nameOrPath);
        if (Files.isRegularFile(p)) {
            try {
                return AdmConfig.fromJson(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read config " + p + ": " + e.getMessage(), e);
            }
        }
        return get(nameOrPath);
    }
}
