package dev.webrepl.transport.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** A connection's duration as its log line says it (README "Logs"): what {@code %.3f s} said before. */
class ConnectionDurationTest {
    @Test
    void theDurationIsWhatTheFormatterSaysToTheMillisecond() {
        assertEquals("0.000 s", ConnectionHandler.seconds(0));
        assertEquals("0.001 s", ConnectionHandler.seconds(500_000));
        assertEquals("0.000 s", ConnectionHandler.seconds(499_999));
        assertEquals("12.559 s", ConnectionHandler.seconds(12_559_123_456L));
        assertEquals("1.000 s", ConnectionHandler.seconds(999_600_000));
        assertEquals("86400.010 s", ConnectionHandler.seconds(86_400_010_000_000L));
        // Away from the exact half, where a double's digits may fall either side: the same text as before.
        for (long nanos = 3; nanos < 40_000_000_000L; nanos += 99_999_917L) {
            assertEquals(String.format(Locale.ROOT, "%.3f s", nanos / 1e9), ConnectionHandler.seconds(nanos), "at " + nanos);
        }
    }
}
