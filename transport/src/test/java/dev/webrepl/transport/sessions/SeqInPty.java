package dev.webrepl.transport.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.dupterm.Slot;
import dev.webrepl.engines.process.ProcessEngine;
import dev.webrepl.engines.process.ProcessEngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The program the flow-control tests run in a pty: {@code seq 1 LINES} with echo off, then idle, so
 * that the output is large, known line by line, and the session outlives it.
 */
final class SeqInPty {
    private SeqInPty() {
    }

    /** Sessions that run the program, never time out idle, and add each arriving terminal to {@code slots}. */
    static SessionRegistry registry(Path root, int lines, List<Slot> slots) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/seq")), "needs /usr/bin/seq");
        ProcessEngineConfig config = new ProcessEngineConfig(
                List.of("/bin/sh", "-c", "stty -echo; /usr/bin/seq 1 " + lines + "; exec sleep 60"),
                Map.of("PATH", "/usr/bin:/bin"), root, 80, 24, Duration.ofSeconds(1));
        SessionRegistry registry = new SessionRegistry(() -> new ProcessEngine(config), new SecureRandom(),
                SessionConfig.DEFAULTS.withIdleTimeout(Duration.ZERO));
        registry.setTerminalArrivedCallback(slots::add);
        return registry;
    }

    /** {@code text} split at CR LF is exactly the lines 1 to {@code lines}, in order. */
    static void assertEveryLineInOrder(String text, int lines) {
        String[] got = text.split("\r\n");
        assertEquals(lines, got.length);
        for (int i = 0; i < lines; i++) {
            if (!got[i].equals(String.valueOf(i + 1))) {
                throw new AssertionError("line " + (i + 1) + " is '" + got[i] + "'");
            }
        }
    }
}
