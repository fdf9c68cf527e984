package dev.webrepl.server.log;

import ch.qos.logback.classic.Level;
import java.util.Locale;

/**
 * One {@code --log-level} value: {@code LEVEL} for webrepl's own loggers, or {@code LOGGER=LEVEL} for
 * one logger and those below it (e.g. {@code reactor.netty=DEBUG}).
 *
 * @param logger the logger's name, or null for webrepl's own
 */
public record LogLevel(String logger, Level level) {
    static final String LEVELS = "TRACE, DEBUG, INFO, WARN, ERROR or OFF";

    /** Parses {@code LEVEL} or {@code LOGGER=LEVEL}, case-insensitive in the level. */
    public static LogLevel parse(String text) {
        int eq = text.lastIndexOf('=');
        String name = eq < 0 ? null : text.substring(0, eq).trim();
        if (name != null && name.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' names no logger (LOGGER=LEVEL)");
        }
        String level = (eq < 0 ? text : text.substring(eq + 1)).trim().toUpperCase(Locale.ROOT);
        return switch (level) {
            case "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF" -> new LogLevel(name, Level.toLevel(level));
            default -> throw new IllegalArgumentException("'" + text + "' is not a log level: give " + LEVELS
                    + ", or LOGGER=LEVEL");
        };
    }
}
