package io.streamcell.io.kafka;

import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;
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
    private final Map<LoggerConfig, Level> previousLevels = new HashMap<>();

    LogCapture(Level level) {
        context = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = context.getConfiguration();
        appender = WriterAppender.newBuilder()
                .setName("secret-scan")
                .setTarget(text)
                .setLayout(PatternLayout.newBuilder()
                        .withPattern("%-5p %c - %m%n%throwable")
                        .build())
                .build();
        appender.start();
        configuration.addAppender(appender);
        LoggerConfig root = configuration.getRootLogger();
        previousRootLevel = root.getLevel();
        // the console's appender reference keeps its own WARN threshold (log4j2-test.properties), so
        // only the capture sees the chattier levels
        root.addAppender(appender, level, null);
        root.setLevel(level);
        // Loggers quieted earlier in this JVM (EmbeddedKafka's quiet logs set org.apache.kafka to WARN
        // for good) would hide what the capture must see, depending on the order tests run in.
        for (LoggerConfig logger : configuration.getLoggers().values()) {
            if (logger != root
                    && logger.getLevel() != null
                    && logger.getLevel().isMoreSpecificThan(level)
                    && !logger.getLevel().equals(level)) {
                previousLevels.put(logger, logger.getLevel());
                logger.setLevel(level);
            }
        }
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
        previousLevels.forEach(LoggerConfig::setLevel);
        context.updateLoggers();
        appender.stop();
    }
}
