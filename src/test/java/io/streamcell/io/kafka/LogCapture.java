package io.streamcell.io.kafka;

import java.io.StringWriter;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Captures everything logged at {@code level} and above while open (the tests' console stays at its
 * own level): full messages with stack traces, so a test can search them for secrets.
 */
final class LogCapture implements AutoCloseable {
    private final StringWriter text = new StringWriter();
    private final WriterAppender appender;
    private final LoggerContext context;
    private final Level previousRootLevel;

    LogCapture(Level level) {
        context = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = context.getConfiguration();
        appender = WriterAppender.newBuilder()
                .setName("secret-scan")
                .setTarget(text)
                .setLayout(PatternLayout.newBuilder().withPattern("%-5p %c - %m%n%throwable").build())
                .build();
        appender.start();
        configuration.addAppender(appender);
        LoggerConfig root = configuration.getRootLogger();
        previousRootLevel = root.getLevel();
        // the console's appender reference keeps its own WARN threshold (log4j2-test.properties), so
        // only the capture sees the chattier levels
        root.addAppender(appender, level, null);
        root.setLevel(level);
        context.updateLoggers();
    }

    String text() {
        synchronized (text) {
            return text.toString();
        }
    }

    @Override
    public void close() {
        LoggerConfig root = context.getConfiguration().getRootLogger();
        root.removeAppender(appender.getName());
        root.setLevel(previousRootLevel);
        context.updateLoggers();
        appender.stop();
    }
}
