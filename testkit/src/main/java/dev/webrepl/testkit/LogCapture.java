package dev.webrepl.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The events one logger (and those below it) logs at {@code level} and above while the capture is
 * open: a Logback appender that keeps them, with their MDC, for a test to read.
 */
public final class LogCapture implements AutoCloseable {
    /** What a test asserts of an event: its level, message and the session and peer fields. */
    public record Line(String level, String message, String session, String peer) {
    }

    private final Logger logger;
    private final Level before;
    private final boolean additive;
    private final List<ILoggingEvent> events = new ArrayList<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            synchronized (events) {
                events.add(event);
            }
        }
    };

    private LogCapture(Logger logger, Level level) {
        this.logger = logger;
        this.before = logger.getLevel();
        this.additive = logger.isAdditive();
        appender.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        appender.setName("capture");
        appender.start();
        logger.setLevel(level);
        // Kept here, not printed as well: the test output stays as quiet as without the capture.
        logger.setAdditive(false);
        logger.addAppender(appender);
    }

    /** Captures what {@code loggerName} logs at {@code level} and above (the level is set for the capture). */
    public static LogCapture of(String loggerName, Level level) {
        return new LogCapture((Logger) LoggerFactory.getLogger(loggerName), level);
    }

    /** The events so far, in order. */
    public List<ILoggingEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** The events so far as lines. */
    public List<Line> lines() {
        List<Line> lines = new ArrayList<>();
        for (ILoggingEvent e : events()) {
            Map<String, String> mdc = e.getMDCPropertyMap();
            lines.add(new Line(e.getLevel().toString(), e.getFormattedMessage(), mdc.get("session"), mdc.get("peer")));
        }
        return lines;
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
        logger.setLevel(before);
        logger.setAdditive(additive);
    }
}
