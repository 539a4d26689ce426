package org.diffrep.model.unet;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.diffrep.common.UserInputException;

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
        register(AdmConfig.builder("adm-256-uncond", 256, 256).optOutChannels(6).optAttentionResolutions(List.of(32, 16, 8))
                .optNumHeadChannels(64).optResblockUpdown(true).optFeatureDefaults(FeatureDefaults.ADM_256).build());
        // the adm-tiny fixture: same 37-block tree as adm-256-uncond at 32 channels and 64 px
        register(AdmConfig.builder("adm-tiny", 64, 32).optOutChannels(6).optAttentionResolutions(List.of(8, 4, 2))
                .optChannelMult(List.of(1.0, 1.0, 1.0, 1.0, 1.0, 1.0)).optNumHeads(1).optNumHeadChannels(8).optResblockUpdown(true)
                .optFeatureDefaults(FeatureDefaults.ADM_256).build());
        // the shipped Fashion-MNIST model (19 blocks); its defaults are the cells measured best with it (README: demo, kNN):
        // linear probe t=10 b=13, kNN t=10 b=10 (the middle block); DifFormer fuses the middle block and two decoder blocks
        register(AdmConfig.builder("adm-fmnist", 32, 32).optInChannels(1).optChannelMult(List.of(1.0, 2.0, 2.0))
                .optNumHeadChannels(32).optResblockUpdown(true)
                .optFeatureDefaults(new FeatureDefaults(FeatureDefaults.Taps.of(List.of(10), List.of(13)),
                        FeatureDefaults.Taps.of(List.of(10, 50, 100), List.of(10, 13, 16)),
                        FeatureDefaults.Taps.of(List.of(10), List.of(10))))
                .build());
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
            throw new UserInputException("unknown config '" + name + "'; known: " + REGISTRY.keySet()
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
            } catch (JsonProcessingException e) {
                throw UserInputException.malformed(p, e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read config " + p + ": " + e.getMessage(), e);
            }
        }
        return get(nameOrPath);
    }
}
