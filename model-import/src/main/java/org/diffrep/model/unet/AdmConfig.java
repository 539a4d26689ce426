package org.diffrep.model.unet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Hyper-parameters of a guided-diffusion {@code UNetModel}, with the same meaning and defaults as
 * guided-diffusion's {@code create_model} flags. {@link #layout()} turns them into the block list
 * that both the state_dict check and the SameDiff builder walk.
 *
 * @param attentionResolutions feature-map sides (in pixels) that get attention, e.g. 32,16,8
 * @param numHeads             used only when {@code numHeadChannels == -1}
 * @param numHeadChannels      channels per attention head, or -1 to use {@code numHeads}
 */
public record AdmConfig(
        String name,
        int imageSize,
        int inChannels,
        int modelChannels,
        int outChannels,
        int numResBlocks,
        List<Integer> attentionResolutions,
        List<Double> channelMult,
        int numHeads,
        int numHeadChannels,
        int numHeadsUpsample,
        boolean useScaleShiftNorm,
        boolean resblockUpdown,
        boolean convResample,
        boolean useNewAttentionOrder,
        int groupNormGroups,
        double groupNormEps) {

    public AdmConfig {
        require(imageSize > 0 && inChannels > 0 && modelChannels > 0 && outChannels > 0, "sizes must be positive");
        require(numResBlocks > 0, "num_res_blocks must be >= 1");
        require(!channelMult.isEmpty(), "channel_mult must not be empty");
        require(numHeadChannels == -1 || numHeadChannels > 0, "num_head_channels must be -1 or positive");
        require(numHeadChannels != -1 || numHeads > 0, "num_heads must be positive when num_head_channels is -1");
        attentionResolutions = List.copyOf(attentionResolutions);
        channelMult = List.copyOf(channelMult);
        int downsampling = 1 << (channelMult.size() - 1);
        require(imageSize % downsampling == 0, "image_size " + imageSize + " is not divisible by 2^(levels-1) = " + downsampling);
        for (double m : channelMult) {
            require(((int) (m * modelChannels)) % groupNormGroups == 0,
                    "channels " + (int) (m * modelChannels) + " not divisible by " + groupNormGroups + " GroupNorm groups");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException("invalid ADM config: " + message);
    }

    /** The width {@code int(mult * model_channels)} of a level, as guided-diffusion computes it. */
    public int levelChannels(int level) {
        return (int) (channelMult.get(level) * modelChannels);
    }

    public int timeEmbedDim() {
        return 4 * modelChannels;
    }

    public int numLevels() {
        return channelMult.size();
    }

    public AdmConfig withImageSize(int size) {
        return new AdmConfig(name, size, inChannels, modelChannels, outChannels, numResBlocks,
                // attention is tied to the downsampling factor, which must not move with the input size
                attentionDownsampleFactors().stream().map(ds -> size / ds).collect(Collectors.toList()),
                channelMult, numHeads, numHeadChannels, numHeadsUpsample, useScaleShiftNorm, resblockUpdown,
                convResample, useNewAttentionOrder, groupNormGroups, groupNormEps);
    }

    public AdmConfig withName(String newName) {
        return new AdmConfig(newName, imageSize, inChannels, modelChannels, outChannels, numResBlocks, attentionResolutions,
                channelMult, numHeads, numHeadChannels, numHeadsUpsample, useScaleShiftNorm, resblockUpdown,
                convResample, useNewAttentionOrder, groupNormGroups, groupNormEps);
    }

    /** guided-diffusion converts attention resolutions to downsampling factors {@code image_size / res}. */
    public List<Integer> attentionDownsampleFactors() {
        return attentionResolutions.stream().map(r -> imageSize / r).collect(Collectors.toList());
    }

    public UNetLayout layout() {
        return UNetLayout.of(this);
    }

    /** Every state_dict key this config's {@code UNetModel} has, with its shape, in state_dict order. */
    public LinkedHashMap<String, long[]> expectedStateDict() {
        return layout().expectedStateDict();
    }

    /** guided-diffusion's default channel_mult for an image size (script_util.create_model). */
    public static List<Double> defaultChannelMult(int imageSize) {
        double[] m = switch (imageSize) {
            case 512 -> new double[]{0.5, 1, 1, 2, 2, 4, 4};
            case 256 -> new double[]{1, 1, 2, 2, 4, 4};
            case 128 -> new double[]{1, 1, 2, 3, 4};
            case 64 -> new double[]{1, 2, 3, 4};
            default -> throw new IllegalArgumentException(
                    "no default channel_mult for image_size " + imageSize + "; give channel_mult explicitly");
        };
        return Arrays.stream(m).boxed().collect(Collectors.toList());
    }

    /**
     * Reads a config in the fixture {@code config.json} format: guided-diffusion's flag names
     * ({@code image_size}, {@code num_channels}, {@code channel_mult} as list or "1,1,2", {@code
     * attention_resolutions} as list or "32,16,8", {@code num_heads} / {@code num_head_channels},
     * {@code learn_sigma} or {@code out_channels}, ...). Missing flags take guided-diffusion's defaults.
     */
    public static AdmConfig fromJson(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        String stem = file.getFileName().toString().replaceFirst("\\.json$", "");
        return fromJson(root, root.path("name").asText(stem));
    }

    public static AdmConfig fromJson(JsonNode n, String name) {
        if (n.path("class_cond").asBoolean(false)) {
            throw new IllegalArgumentException("invalid ADM config: class_cond=true (class-conditional models) is not supported");
        }
        int imageSize = requiredInt(n, "image_size");
        int modelChannels = n.has("model_channels") ? n.get("model_channels").asInt() : requiredInt(n, "num_channels");
        int inChannels = n.path("in_channels").asInt(3);
        List<Double> mult = n.has("channel_mult") && (n.get("channel_mult").isArray() || !n.get("channel_mult").asText().isBlank())
                ? doubles(n.get("channel_mult")) : defaultChannelMult(imageSize);
        int outChannels = n.has("out_channels") ? n.get("out_channels").asInt()
                : (n.path("learn_sigma").asBoolean(false) ? 2 * inChannels : inChannels);
        List<Integer> attention = n.has("attention_resolutions")
                ? doubles(n.get("attention_resolutions")).stream().map(Double::intValue).collect(Collectors.toList())
                : List.of(16, 8);
        return new AdmConfig(name, imageSize, inChannels, modelChannels, outChannels,
                n.path("num_res_blocks").asInt(2), attention, mult,
                n.path("num_heads").asInt(4), n.path("num_head_channels").asInt(-1), n.path("num_heads_upsample").asInt(-1),
                n.path("use_scale_shift_norm").asBoolean(true), n.path("resblock_updown").asBoolean(false),
                n.path("conv_resample").asBoolean(true), n.path("use_new_attention_order").asBoolean(false),
                n.path("groupnorm_groups").asInt(32), n.path("groupnorm_eps").asDouble(1e-5));
    }

    /** The flags in guided-diffusion's names, so a config can be written next to results and read back. */
    public Map<String, Object> toFlags() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("image_size", imageSize);
        m.put("in_channels", inChannels);
        m.put("num_channels", modelChannels);
        m.put("out_channels", outChannels);
        m.put("num_res_blocks", numResBlocks);
        m.put("attention_resolutions", attentionResolutions);
        m.put("channel_mult", channelMult);
        m.put("num_heads", numHeads);
        m.put("num_head_channels", numHeadChannels);
        m.put("num_heads_upsample", numHeadsUpsample);
        m.put("use_scale_shift_norm", useScaleShiftNorm);
        m.put("resblock_updown", resblockUpdown);
        m.put("conv_resample", convResample);
        m.put("use_new_attention_order", useNewAttentionOrder);
        m.put("groupnorm_groups", groupNormGroups);
        m.put("groupnorm_eps", groupNormEps);
        return m;
    }

    private static int requiredInt(JsonNode n, String key) {
        if (!n.has(key)) throw new IllegalArgumentException("invalid ADM config: missing \"" + key + "\"");
        return n.get(key).asInt();
    }

    private static List<Double> doubles(JsonNode node) {
        List<Double> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(v -> out.add(v.asDouble()));
        } else {
            for (String s : node.asText().split(",")) {
                if (!s.isBlank()) out.add(Double.parseDouble(s.trim()));
            }
        }
        return out;
    }
}
