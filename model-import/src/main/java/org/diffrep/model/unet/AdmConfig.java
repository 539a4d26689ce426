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
 * that both the state_dict check and the SameDiff builder walk. Built with {@link #builder}
 * (setX for what has no default, optX for the rest); {@link #featureDefaults()} says which (t, b)
 * a command reads when none is given, like timm's pretrained_cfg (not part of the architecture:
 * it enters neither {@link #equals} nor {@link #toString}, which names cache entries).
 */
public final class AdmConfig {

    private final String name;
    private final int imageSize;
    private final int inChannels;
    private final int modelChannels;
    private final int outChannels;
    private final int numResBlocks;
    private final List<Integer> attentionResolutions;
    private final List<Double> channelMult;
    private final int numHeads;
    private final int numHeadChannels;
    private final int numHeadsUpsample;
    private final boolean useScaleShiftNorm;
    private final boolean resblockUpdown;
    private final boolean convResample;
    private final boolean useNewAttentionOrder;
    private final int groupNormGroups;
    private final double groupNormEps;
    private final FeatureDefaults featureDefaults;

    private AdmConfig(Builder b) {
        this.name = b.name;
        this.imageSize = b.imageSize;
        this.inChannels = b.inChannels;
        this.modelChannels = b.modelChannels;
        this.outChannels = b.outChannels == null ? b.inChannels : b.outChannels;
        this.numResBlocks = b.numResBlocks;
        this.channelMult = List.copyOf(b.channelMult == null ? defaultChannelMult(b.imageSize) : b.channelMult);
        this.attentionResolutions = List.copyOf(b.attentionResolutions);
        this.numHeads = b.numHeads;
        this.numHeadChannels = b.numHeadChannels;
        this.numHeadsUpsample = b.numHeadsUpsample;
        this.useScaleShiftNorm = b.useScaleShiftNorm;
        this.resblockUpdown = b.resblockUpdown;
        this.convResample = b.convResample;
        this.useNewAttentionOrder = b.useNewAttentionOrder;
        this.groupNormGroups = b.groupNormGroups;
        this.groupNormEps = b.groupNormEps;
        require(name != null && !name.isBlank(), "a config needs a name");
        require(imageSize > 0 && inChannels > 0 && modelChannels > 0 && outChannels > 0, "sizes must be positive");
        require(numResBlocks > 0, "num_res_blocks must be >= 1");
        require(!channelMult.isEmpty(), "channel_mult must not be empty");
        require(numHeadChannels == -1 || numHeadChannels > 0, "num_head_channels must be -1 or positive");
        require(numHeadChannels != -1 || numHeads > 0, "num_heads must be positive when num_head_channels is -1");
        int downsampling = 1 << (channelMult.size() - 1);
        require(imageSize % downsampling == 0, "image_size " + imageSize + " is not divisible by 2^(levels-1) = " + downsampling);
        for (double m : channelMult) {
            require(((int) (m * modelChannels)) % groupNormGroups == 0,
                    "channels " + (int) (m * modelChannels) + " not divisible by " + groupNormGroups + " GroupNorm groups");
        }
        this.featureDefaults = b.featureDefaults != null ? b.featureDefaults.checked(layout().numBlocks(), name)
                : FeatureDefaults.forLayout(layout());
    }

    /** A config with guided-diffusion's defaults for everything but its name, side and width. */
    public static Builder builder(String name, int imageSize, int modelChannels) {
        return new Builder(name, imageSize, modelChannels);
    }

    /** A builder holding every setting of this config, to change some of them. */
    public Builder toBuilder() {
        return new Builder(name, imageSize, modelChannels).optInChannels(inChannels).optOutChannels(outChannels)
                .optNumResBlocks(numResBlocks).optAttentionResolutions(attentionResolutions).optChannelMult(channelMult)
                .optNumHeads(numHeads).optNumHeadChannels(numHeadChannels).optNumHeadsUpsample(numHeadsUpsample)
                .optUseScaleShiftNorm(useScaleShiftNorm).optResblockUpdown(resblockUpdown).optConvResample(convResample)
                .optUseNewAttentionOrder(useNewAttentionOrder).optGroupNorm(groupNormGroups, groupNormEps)
                .optFeatureDefaults(featureDefaults);
    }

    /** Builds an {@link AdmConfig}; the defaults are guided-diffusion's {@code create_model} defaults. */
    public static final class Builder {
        private String name;
        private int imageSize;
        private int modelChannels;
        private int inChannels = 3;
        private Integer outChannels;
        private int numResBlocks = 2;
        private List<Integer> attentionResolutions = List.of(16, 8);
        private List<Double> channelMult;
        private int numHeads = 4;
        private int numHeadChannels = -1;
        private int numHeadsUpsample = -1;
        private boolean useScaleShiftNorm = true;
        private boolean resblockUpdown;
        private boolean convResample = true;
        private boolean useNewAttentionOrder;
        private int groupNormGroups = 32;
        private double groupNormEps = 1e-5;
        private FeatureDefaults featureDefaults;

        private Builder(String name, int imageSize, int modelChannels) {
            this.name = name;
            this.imageSize = imageSize;
            this.modelChannels = modelChannels;
        }

        public Builder setName(String v) { name = v; return this; }
        public Builder setImageSize(int v) { imageSize = v; return this; }
        public Builder setModelChannels(int v) { modelChannels = v; return this; }
        /** Image channels (default 3). */
        public Builder optInChannels(int v) { inChannels = v; return this; }
        /** Output channels (default: in_channels; twice that with learn_sigma). */
        public Builder optOutChannels(int v) { outChannels = v; return this; }
        public Builder optNumResBlocks(int v) { numResBlocks = v; return this; }
        /** Feature-map sides (in pixels) that get attention (default 16, 8). */
        public Builder optAttentionResolutions(List<Integer> v) { attentionResolutions = v; return this; }
        /** Width multiplier per level (default: guided-diffusion's for the image size). */
        public Builder optChannelMult(List<Double> v) { channelMult = v; return this; }
        /** Attention heads; used only when num_head_channels is -1 (default 4). */
        public Builder optNumHeads(int v) { numHeads = v; return this; }
        /** Channels per attention head, or -1 to use num_heads (default -1). */
        public Builder optNumHeadChannels(int v) { numHeadChannels = v; return this; }
        public Builder optNumHeadsUpsample(int v) { numHeadsUpsample = v; return this; }
        public Builder optUseScaleShiftNorm(boolean v) { useScaleShiftNorm = v; return this; }
        public Builder optResblockUpdown(boolean v) { resblockUpdown = v; return this; }
        public Builder optConvResample(boolean v) { convResample = v; return this; }
        public Builder optUseNewAttentionOrder(boolean v) { useNewAttentionOrder = v; return this; }
        public Builder optGroupNorm(int groups, double eps) { groupNormGroups = groups; groupNormEps = eps; return this; }
        /** The (t, b) commands read when none is given (default: {@link FeatureDefaults#forLayout}). */
        public Builder optFeatureDefaults(FeatureDefaults v) { featureDefaults = v; return this; }

        public AdmConfig build() {
            return new AdmConfig(this);
        }
    }

    public String name() { return name; }
    public int imageSize() { return imageSize; }
    public int inChannels() { return inChannels; }
    public int modelChannels() { return modelChannels; }
    public int outChannels() { return outChannels; }
    public int numResBlocks() { return numResBlocks; }
    /** Feature-map sides (in pixels) that get attention, e.g. 32,16,8. */
    public List<Integer> attentionResolutions() { return attentionResolutions; }
    public List<Double> channelMult() { return channelMult; }
    /** Used only when {@code numHeadChannels == -1}. */
    public int numHeads() { return numHeads; }
    /** Channels per attention head, or -1 to use {@code numHeads}. */
    public int numHeadChannels() { return numHeadChannels; }
    public int numHeadsUpsample() { return numHeadsUpsample; }
    public boolean useScaleShiftNorm() { return useScaleShiftNorm; }
    public boolean resblockUpdown() { return resblockUpdown; }
    public boolean convResample() { return convResample; }
    public boolean useNewAttentionOrder() { return useNewAttentionOrder; }
    public int groupNormGroups() { return groupNormGroups; }
    public double groupNormEps() { return groupNormEps; }
    /** Which (t, b) a command reads from this model when the user names none. */
    public FeatureDefaults featureDefaults() { return featureDefaults; }

    private List<Object> architecture() {
        return Arrays.asList(name, imageSize, inChannels, modelChannels, outChannels, numResBlocks, attentionResolutions,
                channelMult, numHeads, numHeadChannels, numHeadsUpsample, useScaleShiftNorm, resblockUpdown, convResample,
                useNewAttentionOrder, groupNormGroups, groupNormEps);
    }

    private static final List<String> ARCHITECTURE = List.of("name", "imageSize", "inChannels", "modelChannels", "outChannels",
            "numResBlocks", "attentionResolutions", "channelMult", "numHeads", "numHeadChannels", "numHeadsUpsample",
            "useScaleShiftNorm", "resblockUpdown", "convResample", "useNewAttentionOrder", "groupNormGroups", "groupNormEps");

    @Override
    public boolean equals(Object o) {
        return o instanceof AdmConfig c && architecture().equals(c.architecture());
    }

    @Override
    public int hashCode() {
        return architecture().hashCode();
    }

    /** The architecture in a fixed format: feature-cache keys and run files name the model by it. */
    @Override
    public String toString() {
        List<Object> values = architecture();
        StringBuilder sb = new StringBuilder("AdmConfig[");
        for (int i = 0; i < values.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(ARCHITECTURE.get(i)).append('=').append(values.get(i));
        }
        return sb.append(']').toString();
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
        // attention is tied to the downsampling factor, which must not move with the input size
        return toBuilder().setImageSize(size)
                .optAttentionResolutions(attentionDownsampleFactors().stream().map(ds -> size / ds).collect(Collectors.toList()))
                .build();
    }

    public AdmConfig withName(String newName) {
        return toBuilder().setName(newName).build();
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
        return builder(name, imageSize, modelChannels).optInChannels(inChannels).optOutChannels(outChannels)
                .optNumResBlocks(n.path("num_res_blocks").asInt(2)).optAttentionResolutions(attention).optChannelMult(mult)
                .optNumHeads(n.path("num_heads").asInt(4)).optNumHeadChannels(n.path("num_head_channels").asInt(-1))
                .optNumHeadsUpsample(n.path("num_heads_upsample").asInt(-1))
                .optUseScaleShiftNorm(n.path("use_scale_shift_norm").asBoolean(true)).optResblockUpdown(n.path("resblock_updown").asBoolean(false))
                .optConvResample(n.path("conv_resample").asBoolean(true)).optUseNewAttentionOrder(n.path("use_new_attention_order").asBoolean(false))
                .optGroupNorm(n.path("groupnorm_groups").asInt(32), n.path("groupnorm_eps").asDouble(1e-5))
                .build();
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
