package org.diffrep.model.unet;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdmConfigsTest {

    static Path resource(String name) throws URISyntaxException {
        return Path.of(AdmConfigsTest.class.getResource("/" + name).toURI());
    }

    /** key -> "AxBxC" from a TSV of the reference (key, shape, numel), comments skipped. */
    static LinkedHashMap<String, String> shapesFromTsv(Path tsv) throws IOException {
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(tsv)) {
            if (line.startsWith("#") || line.isBlank()) continue;
            String[] f = line.split("\t");
            m.put(f[0], f[1]);
        }
        return m;
    }

    static Map<String, String> asStrings(Map<String, long[]> shapes) {
        return shapes.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> java.util.Arrays.stream(e.getValue()).mapToObj(Long::toString).collect(Collectors.joining("x")),
                (a, b) -> a, LinkedHashMap::new));
    }

    static Stream<AdmConfig> registered() {
        return AdmConfigs.all().values().stream();
    }

    @Test
    void adm256KeysAndShapesEqualTheRealCheckpointInOrder() throws Exception {
        AdmConfig c = AdmConfigs.get("adm-256-uncond");
        LinkedHashMap<String, String> reference = shapesFromTsv(resource("adm256_uncond_state_dict.tsv"));
        assertThat(asStrings(c.expectedStateDict())).containsExactlyEntriesOf(reference);
        assertThat(c.layout().parameterCount()).isEqualTo(552_814_086L);
    }

    @Test
    void adm256BlockTableMatchesTheOfficialFeatureDimsAndSizes() {
        UNetLayout layout = AdmConfigs.get("adm-256-uncond").layout();
        // ssl_diff/const.py FEAT_DIM_LIST and FEAT_SIZE_LIST
        int[] dims = new int[37];
        int[] sizes = new int[37];
        int i = 0;
        for (int[] run : new int[][]{{256, 7}, {512, 6}, {1024, 12}, {512, 6}, {256, 6}}) {
            for (int k = 0; k < run[1]; k++) dims[i++] = run[0];
        }
        i = 0;
        for (int[] run : new int[][]{{256, 3}, {128, 3}, {64, 3}, {32, 3}, {16, 3}, {8, 6}, {16, 3}, {32, 3}, {64, 3}, {128, 3}, {256, 4}}) {
            for (int k = 0; k < run[1]; k++) sizes[i++] = run[0];
        }
        assertThat(layout.numBlocks()).isEqualTo(37);
        assertThat(layout.middleBlock()).isEqualTo(19);
        for (int b = 1; b <= 37; b++) {
            assertThat(layout.block(b).outChannels()).as("channels of b%d", b).isEqualTo(dims[b - 1]);
            assertThat(layout.block(b).side(256)).as("side of b%d", b).isEqualTo(sizes[b - 1]);
        }
        assertThat(layout.block(24).parameterCount()).isEqualTo(36_717_568L);
        assertThat(layout.block(29).parameterCount()).isEqualTo(8_656_384L);
        assertThat(layout.block(20).skipFrom()).isEqualTo(18);
        assertThat(layout.block(37).skipFrom()).isEqualTo(1);
    }

    @Test
    void admTinyMatchesTheFixtureKeysAndItsConfigJson() throws Exception {
        AdmConfig tiny = AdmConfigs.get("adm-tiny");
        assertThat(asStrings(tiny.expectedStateDict())).containsExactlyEntriesOf(shapesFromTsv(resource("adm-tiny/model_keys.tsv")));
        assertThat(tiny.layout().parameterCount()).isEqualTo(1_425_478L);
        AdmConfig fromJson = AdmConfig.fromJson(resource("adm-tiny/config.json"));
        assertThat(fromJson).isEqualTo(tiny);
    }

    @Test
    void numHeadsInsteadOfHeadChannelsAndDefaultMultsFollowGuidedDiffusion() {
        var node = new ObjectMapper().createObjectNode()
                .put("image_size", 128).put("num_channels", 64).put("num_heads", 2).put("num_head_channels", -1)
                .put("attention_resolutions", "16,8").put("learn_sigma", false);
        AdmConfig c = AdmConfig.fromJson(node, "custom");
        assertThat(c.channelMult()).containsExactly(1.0, 1.0, 2.0, 3.0, 4.0);
        assertThat(c.outChannels()).isEqualTo(3);
        assertThat(c.resblockUpdown()).isFalse();
        UNetLayout layout = c.layout();
        // 5 levels: 1 + 5*2 + 4 input blocks, middle, 5*3 output blocks
        assertThat(layout.numBlocks()).isEqualTo(15 + 1 + 15);
        UNetLayer.Attention attn = (UNetLayer.Attention) layout.block(layout.middleBlock()).layers().get(1);
        assertThat(attn.heads()).isEqualTo(2);
        // resblock_updown=false: strided-conv Downsample ("op") and conv Upsample ("conv") modules
        assertThat(c.expectedStateDict()).containsKey("input_blocks.3.0.op.weight")
                .containsKey("output_blocks.2.2.conv.weight").containsKey("output_blocks.11.1.conv.weight");
    }

    @Test
    void invalidConfigsAreRejectedWithTheReason() {
        var node = new ObjectMapper().createObjectNode().put("image_size", 100).put("num_channels", 32)
                .put("channel_mult", "1,1,1,1");
        assertThatThrownBy(() -> AdmConfig.fromJson(node, "bad")).hasMessageContaining("not divisible by 2^(levels-1)");
        assertThatThrownBy(() -> AdmConfigs.resolve("adm-nope")).hasMessageContaining("unknown config 'adm-nope'")
                .hasMessageContaining("adm-256-uncond");
        var cond = new ObjectMapper().createObjectNode().put("image_size", 64).put("num_channels", 32).put("class_cond", true);
        assertThatThrownBy(() -> AdmConfig.fromJson(cond, "c")).hasMessageContaining("class_cond");
    }

    @ParameterizedTest
    @MethodSource("registered")
    void everyRegisteredConfigHasAConsistentLayout(AdmConfig c) {
        UNetLayout layout = c.layout();
        long sum = layout.blocks().stream().mapToLong(UNetLayout.Block::parameterCount).sum();
        Map<String, long[]> timeAndOut = new LinkedHashMap<>();
        layout.timeEmbedding().addParameters(timeAndOut);
        layout.outputHead().addParameters(timeAndOut);
        long rest = timeAndOut.values().stream().mapToLong(UNetLayout::numel).sum();
        assertThat(sum + rest).isEqualTo(layout.parameterCount());
        List<Integer> decoderSkips = layout.blocks().stream().filter(b -> b.skipFrom() > 0).map(UNetLayout.Block::skipFrom).toList();
        assertThat(decoderSkips).hasSize(layout.middleBlock() - 1).doesNotHaveDuplicates();
        assertThat(AdmConfig.fromJson(new ObjectMapper().valueToTree(c.toFlags()), c.name())).isEqualTo(c);
    }

    @Test
    void theArchitectureStringThatNamesCacheEntriesIsUnchangedByTheBuilder() {
        // the format of the former positional record: feature-cache keys and run files store it
        assertThat(AdmConfigs.get("adm-fmnist").toString()).isEqualTo("AdmConfig[name=adm-fmnist, imageSize=32, inChannels=1,"
                + " modelChannels=32, outChannels=1, numResBlocks=2, attentionResolutions=[16, 8], channelMult=[1.0, 2.0, 2.0],"
                + " numHeads=4, numHeadChannels=32, numHeadsUpsample=-1, useScaleShiftNorm=true, resblockUpdown=true,"
                + " convResample=true, useNewAttentionOrder=false, groupNormGroups=32, groupNormEps=1.0E-5]");
    }

    @Test
    void featureDefaultsLiveOnTheConfigAndFitItsDepth() {
        FeatureDefaults paper = AdmConfigs.get("adm-256-uncond").featureDefaults();
        assertThat(paper.head()).isEqualTo(FeatureDefaults.Taps.of(List.of(150), List.of(24)));
        assertThat(paper.multiScale()).isEqualTo(FeatureDefaults.Taps.of(List.of(90, 150, 300), List.of(19, 24, 30)));
        assertThat(paper.analysis()).isEqualTo(FeatureDefaults.Taps.of(List.of(90), List.of(19)));
        FeatureDefaults fmnist = AdmConfigs.get("adm-fmnist").featureDefaults();
        assertThat(fmnist.head()).isEqualTo(FeatureDefaults.Taps.of(List.of(10), List.of(13)));
        // a config.json without measurements: the paper's relative depths in its own block count
        AdmConfig custom = AdmConfigs.get("adm-fmnist").toBuilder().setName("custom").optFeatureDefaults(null).build();
        assertThat(custom.featureDefaults().analysis().blocks()).containsExactly(custom.layout().middleBlock());
        assertThat(custom.featureDefaults().multiScale().blocks()).allSatisfy(b -> assertThat(b).isBetween(1, 19));
        assertThatThrownBy(() -> custom.toBuilder().optFeatureDefaults(new FeatureDefaults(FeatureDefaults.Taps.of(List.of(10), List.of(24)),
                fmnist.multiScale(), fmnist.analysis())).build()).hasMessageContaining("default block 24 of custom is outside 1..19");
    }
}
