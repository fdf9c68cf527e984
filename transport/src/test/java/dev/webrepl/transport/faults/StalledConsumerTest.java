package dev.webrepl.transport.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.Slot;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that reads nothing at all while an engine that cannot be paused floods output: its
 * backlog never grows past the hard cap plus one write, it is deactivated as a slow consumer, and
 * its connection is closed even though it never reads the close frame.
 */
@Timeout(60)
class StalledConsumerTest extends FaultsTestBase {
    private static final long CAP = 256 * 1024;
    private static final int CHUNK = 32 * 1024;
    /** A bound on the test, not an expectation: the terminal is cut off long before. */
    private static final int MAX_CHUNKS = 4096;

    @Test
    void stalledTerminalIsCutOffAtTheCapWithBoundedBacklog() throws Exception {
        List<ScriptedEngine> made = new CopyOnWriteArrayList<>();
        restart(SessionConfig.DEFAULTS.withOutputLimits(32 * 1024, 128 * 1024, CAP).withLinger(java.time.Duration.ZERO),
                () -> {
                    ScriptedEngine e = new ScriptedEngine();
                    made.add(e);
                    return e;
                });
        List<Slot> slots = new CopyOnWriteArrayList<>();
        server.setConnectionArrivedCallback(slots::add);
        RawWebSocket stalled = RawWebSocket.connect(server.port(), 4096);
        try {
            stalled.login("/", PASSWORD);
            await("the terminal arrived", () -> slots.size() == 1);
            Slot slot = slots.get(0);
            byte[] chunk = new byte[CHUNK];
            Arrays.fill(chunk, (byte) 'x');
            long maxBacklog = 0;
            int written = 0;
            while (slot.session().terminals() == 1) {
                assertTrue(written < MAX_CHUNKS, "the stalled terminal was never cut off");
                made.get(0).write(chunk);
                written++;
                maxBacklog = Math.max(maxBacklog, slot.backlog());
            }
            assertTrue(maxBacklog <= CAP + CHUNK, "backlog " + maxBacklog + " past the cap " + CAP + " + one write");
            assertEquals(0, slot.backlog(), "a cut-off terminal's output is dropped");
            assertEquals(List.of("slow-consumer"), deactivations);
            await("the session without terminals ended (linger 0)", () -> server.sessions().size() == 0);
            // Whatever was buffered, then the end: a close frame (1008) if it got out, else just TCP.
            int code = stalled.skipToClose();
            assertTrue(code == 1008 || code == -1, "close code " + code);
        } finally {
            stalled.close();
        }
    }
}
