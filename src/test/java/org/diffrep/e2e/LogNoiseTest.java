package org.diffrep.e2e;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.diffrep.app.Diffrep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.URL;

import static org.assertj.core.api.Assertions.assertThat;

/** The libraries' chatter (ND4J's per-op property warnings, ...) stays out of the user's way unless asked for with --verbose. */
class LogNoiseTest {

    private static void configure(String resource) throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        URL url = Diffrep.class.getResource(resource);
        assertThat(url).as(resource).isNotNull();
        configurator.doConfigure(url);
    }

    @AfterEach
    void backToTheTestConfiguration() throws Exception {
        configure("/logback-test.xml");
    }

    @Test
    void libraryWarningsAreHiddenUnlessVerbose() throws Exception {
        configure("/logback.xml"); // what bin/diffrep runs with
        org.slf4j.Logger nd4j = LoggerFactory.getLogger("org.nd4j.autodiff.functions.DifferentialFunction");
        org.slf4j.Logger ours = LoggerFactory.getLogger("org.diffrep.training.train.Trainer");
        Diffrep.commandLine().parseArgs("head-info");
        assertThat(nd4j.isWarnEnabled()).isFalse();
        assertThat(ours.isInfoEnabled()).isTrue();
        Diffrep.commandLine().parseArgs("head-info", "--verbose");
        assertThat(nd4j.isWarnEnabled()).isTrue();
        assertThat(nd4j.isInfoEnabled()).isTrue();
    }
}
