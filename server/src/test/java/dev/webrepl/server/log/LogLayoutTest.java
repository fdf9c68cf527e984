package dev.webrepl.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The two log formats (README "Logs") line by line: exact text, valid JSON, client text escaped. */
class LogLayoutTest {
    private static final long TIME = 1_796_547_600_123L;  // 2026-12-06T09:00:00.123Z

    private static LoggingEvent event(String logger, Level level, String message, Map<String, String> mdc, Throwable t) {
        LoggerContext context = new LoggerContext();
        LoggingEvent e = new LoggingEvent("test", context.getLogger(logger), level, message, t, null);
        e.setTimeStamp(TIME);
        e.setMDCPropertyMap(mdc);
        return e;
    }

    @Test
    void textIsTimeLevelFieldsMessage() {
        String line = new TextLayout().doLayout(event("dev.webrepl.transport.server.ConnectionHandler", Level.INFO,
                "connection closed by the client with 1000, terminal 2 (read-write)",
                Map.of("session", "ID", "peer", "1.2.3.4:5678"), null));

        assertEquals("2026-12-06T09:00:00.123Z INFO  session=ID peer=1.2.3.4:5678 connection closed by the client "
                + "with 1000, terminal 2 (read-write)" + System.lineSeparator(), line);
    }

    @Test
    void theTimeIsTheFormattersTimeForEveryMillisecondAcrossSecondsAndDays() {
        // The layouts reuse the last second's text: one line after another, forwards, backwards, across midnight.
        long midnight = 1_796_601_600_000L;  // 2026-12-07T00:00:00.000Z
        long[] starts = {TIME - 2_000, midnight - 1_500, 0, 253_402_300_798_000L};  // ... 9999-12-31T23:59:58
        for (long start : starts) {
            for (long t = start; t < start + 3_000; t += 7) {
                assertEquals(TextLayout.TIME.format(java.time.Instant.ofEpochMilli(t)), TextLayout.time(t), "at " + t);
            }
        }
        assertEquals("2026-12-06T09:00:00.123Z", TextLayout.time(TIME));
        assertEquals("2026-12-06T09:00:00.007Z", TextLayout.time(TIME - 116));
        assertEquals("2026-12-06T08:59:59.999Z", TextLayout.time(TIME - 124));
    }

    @Test
    void anotherLibrarysLineNamesItsLogger() {
        String line = new TextLayout().doLayout(event("reactor.netty.http.server.HttpServer", Level.WARN, "hello",
                Map.of(), null));

        assertEquals("2026-12-06T09:00:00.123Z WARN  logger=reactor.netty.http.server.HttpServer hello"
                + System.lineSeparator(), line);
    }

    @Test
    void textAClientChoseCannotStartALineOfItsOwn() {
        String line = new TextLayout().doLayout(event("dev.webrepl.x", Level.INFO,
                "closed with 1000 \"bye\n2026-12-06T09:00:00.000Z ERROR forged\r\u001b[2J\"", Map.of("peer", "p\nq"), null));

        assertEquals("2026-12-06T09:00:00.123Z INFO  peer=p\\nq closed with 1000 \"bye\\n2026-12-06T09:00:00.000Z ERROR "
                + "forged\\r\\u001b[2J\"" + System.lineSeparator(), line);
    }

    @Test
    void aFailureIsFollowedByItsStackTrace() {
        String text = new TextLayout().doLayout(event("dev.webrepl.x", Level.WARN, "connection failed", Map.of(),
                new IllegalStateException("bug")));

        assertTrue(text.startsWith("2026-12-06T09:00:00.123Z WARN  connection failed" + System.lineSeparator()
                + "java.lang.IllegalStateException: bug" + System.lineSeparator() + "\tat "), text);
    }

    @Test
    void jsonIsOneObjectWithTheSameFields() throws Exception {
        String line = new JsonLayout().doLayout(event("dev.webrepl.transport.server.ConnectionHandler", Level.INFO,
                "closed with 1000 \"bye\n\"\\", Map.of("session", "ID", "peer", "[::1]:5678"), null));

        assertEquals("{\"timestamp\":\"2026-12-06T09:00:00.123Z\",\"level\":\"INFO\",\"logger\":"
                + "\"dev.webrepl.transport.server.ConnectionHandler\",\"message\":\"closed with 1000 \\\"bye\\n\\\"\\\\\","
                + "\"session\":\"ID\",\"peer\":\"[::1]:5678\"}" + System.lineSeparator(), line);
        JsonNode parsed = new ObjectMapper().readTree(line);
        assertEquals("closed with 1000 \"bye\n\"\\", parsed.get("message").asText());
    }

    @Test
    void jsonCarriesAFailuresStackTrace() throws Exception {
        String line = new JsonLayout().doLayout(event("dev.webrepl.x", Level.WARN, "failed", Map.of(),
                new IllegalStateException("bug")));

        assertEquals(1, line.lines().count(), line);
        JsonNode parsed = new ObjectMapper().readTree(line);
        assertTrue(parsed.get("exception").asText().startsWith("java.lang.IllegalStateException: bug"), line);
    }

    @Test
    void levelsParse() {
        assertEquals(new LogLevel(null, Level.WARN), LogLevel.parse("warn"));
        assertEquals(new LogLevel("reactor.netty", Level.DEBUG), LogLevel.parse("reactor.netty=DEBUG"));
        assertEquals("'LOUD' is not a log level: give TRACE, DEBUG, INFO, WARN, ERROR or OFF, or LOGGER=LEVEL",
                assertThrows(IllegalArgumentException.class, () -> LogLevel.parse("LOUD")).getMessage());
        assertEquals("'=INFO' names no logger (LOGGER=LEVEL)",
                assertThrows(IllegalArgumentException.class, () -> LogLevel.parse("=INFO")).getMessage());
    }
}
