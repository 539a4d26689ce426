package org.diffrep.tuning;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SearchSpaceTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown top-level field | t: [1]\\nblocks: [2]\\nblcks: [3]                  | field 'blcks': unknown field",
            "t missing               | blocks: [2]                                         | field 't': missing",
            "blocks missing          | t: [1]                                              | field 'blocks': missing",
            "t not integers          | t: [abc]\\nblocks: [2]                              | field 't': values must be integers",
            "t out of range          | t: [1000]\\nblocks: [2]                             | field 't': values must lie in 0..999",
            "bad block range         | t: [1]\\nblocks: 9..3                               | field 'blocks': min 9 > max 3",
            "bad pooling             | t: [1]\\nblocks: [2]\\npooling: [avg:x]             | field 'pooling': bad pooling 'avg:x'",
            "bad head                | t: [1]\\nblocks: [2]\\nhead: [cnn]                  | field 'head': 'cnn' is not linear",
            "negative lr             | t: [1]\\nblocks: [2]\\nlr: [-0.1]                   | field 'lr': learning rates must be positive",
            "lr range reversed       | t: [1]\\nblocks: [2]\\nlr: {min: 0.1, max: 0.01}    | field 'lr': min 0.1 must be < max 0.01",
            "bad optimizer           | t: [1]\\nblocks: [2]\\ntrain: {optimizer: rmsprop} | field 'train.optimizer': must be sgd or adam",
            "unknown train field     | t: [1]\\nblocks: [2]\\ntrain: {epoch: 3}           | field 'train.epoch': unknown field",
            "epochs not integer      | t: [1]\\nblocks: [2]\\ntrain: {epochs: 2.5}        | field 'train.epochs': expected an integer",
            "random needs count      | search: random\\nt: [1]\\nblocks: [2]               | field 'candidates': random search needs",
            "bad search              | search: bayes\\nt: [1]\\nblocks: [2]                | field 'search': must be grid or random",
            "heads do not divide     | t: [1]\\nblocks: [2]\\nheads: {dim: 10, attn_heads: 4} | field 'heads.attn_heads': 4 does not divide",
    })
    void aBadSpaceNamesTheField(String name, String yaml, String message) {
        assertThatThrownBy(() -> SearchSpace.parse(yaml.replace("\\n", "\n"))).isInstanceOf(SpaceException.class).hasMessageContaining(message);
    }

    @Test
    void invalidYamlSaysSo() {
        assertThatThrownBy(() -> SearchSpace.parse("t: [1\nblocks: 2")).isInstanceOf(SpaceException.class).hasMessageContaining("not valid YAML");
    }

    @Test
    void blocksBeyondTheModelNameTheField() {
        SearchSpace s = SearchSpace.parse("t: [1]\nblocks: 1..40\n");
        assertThatThrownBy(() -> s.checkBlocks(37, "adm-tiny")).hasMessage("field 'blocks': block 40 is outside 1..37 of adm-tiny");
    }

    @Test
    void theShippedExampleParses() throws Exception {
        SearchSpace s = SearchSpace.read(java.nio.file.Path.of("examples/fmnist-space.yaml"));
        assertThat(Candidates.generate(s)).isNotEmpty();
    }
}
