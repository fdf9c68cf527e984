package dev.webrepl.server.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Configures Logback in code (README "Logs"): one appender on stderr (stdout carries the banner), the
 * chosen format, and the levels. Libraries that log through java.util.logging (the JDK's System.Logger,
 * JShell's) arrive through the SLF4J bridge; Reactor Netty and pty4j log through SLF4J already.
 */
public final class LogSetup {
    /** Webrepl's own loggers, which a bare {@code --log-level LEVEL} sets. */
    public static final String OWN = "dev.webrepl";
    /** The level when no {@code --log-level} is given: INFO unless this property says otherwise (the test JVMs: WARN). */
    static final String DEFAULT_LEVEL_PROPERTY = "webrepl.log.level";

    private LogSetup() {
    }

    /** The default level: {@code -Dwebrepl.log.level}, else INFO. */
    static Level defaultLevel() {
        String p = System.getProperty(DEFAULT_LEVEL_PROPERTY);
        return p == null || p.isBlank() ? Level.INFO : LogLevel.parse(p).level();
    }

    /** Configures Logback with {@code format} and {@code levels}; does nothing if SLF4J is bound to something else. */
    public static void configure(LogFormat format, List<LogLevel> levels) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            configure(context, format, levels);
        }
    }

    static void configure(LoggerContext context, LogFormat format, List<LogLevel> levels) {
        context.reset();
        LevelChangePropagator jul = new LevelChangePropagator();
        jul.setContext(context);
        jul.setResetJUL(true);
        context.addListener(jul);
        jul.start();
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }

        LayoutBase<ILoggingEvent> layout = format == LogFormat.JSON ? new JsonLayout() : new TextLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("stderr");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();

        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(stderr);
        Level own = defaultLevel();
        for (LogLevel l : levels) {
            if (l.logger() == null) {
                own = l.level();
            }
        }
        // Other libraries stay at INFO when webrepl's own are more verbose (Netty's DEBUG is a flood), and
        // follow a quieter level: --log-level WARN leaves no INFO line from anyone.
        root.setLevel(own.isGreaterOrEqual(Level.INFO) ? own : Level.INFO);
        context.getLogger(OWN).setLevel(own);
        for (LogLevel l : levels) {
            if (l.logger() != null) {
                context.getLogger(l.logger()).setLevel(l.level());
            }
        }
    }
}
