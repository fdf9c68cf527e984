package dev.webrepl.transport.sessions;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.concat;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Terminal input over a real socket with an engine that reads only when released (DESIGN "Data
 * flow": reads are asynchronous and bounded; Ctrl-C is out of band).
 */
@Timeout(120)
class InputFlowTest extends SessionsTestBase {
    private static final int BOUND = 16 * 1024;
    private static final int FRAME = 1024;
    private static final int FRAMES = 4096;   // 4 MB

    @Test
    @DisplayName("a client flooding 4 MB of text frames never has more than the bound queued; all bytes arrive in order")
    void floodIsHeldBackByTcpAndArrivesWhole() throws Exception {
        restart(SessionConfig.DEFAULTS.withInputQueueBytes(BOUND), true);
        RawWebSocket c = loggedIn();
        Session session = session(c.sessionId());
        ControlledEngine engine = engine(0);
        byte[] all = new byte[FRAME * FRAMES];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) ('a' + (i % 26) + (i / FRAME % 2) * ('A' - 'a'));   // never 0x03
        }

        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            // The writer blocks in TCP once the server stops reading: that is the point.
            Future<?> flood = writer.submit(() -> {
                for (int i = 0; i < FRAMES; i++) {
                    c.send(frame(0x81, java.util.Arrays.copyOfRange(all, i * FRAME, (i + 1) * FRAME)));
                }
                return null;
            });
            await("the input queue is full", () -> session.queuedInputBytes() > BOUND - FRAME);
            assertEquals(0, engine.receivedCount(), "the engine has read nothing yet");

            engine.release(Long.MAX_VALUE);
            await("every byte reached the engine", () -> engine.receivedCount() == all.length);
            flood.get(60, TimeUnit.SECONDS);
            assertArrayEquals(all, engine.received());
        } finally {
            writer.shutdownNow();
        }
        assertTrue(recorder.maxQueued.get() <= BOUND, "max queued " + recorder.maxQueued.get() + " > " + BOUND);
        assertTrue(session.maxQueuedInputBytes() <= BOUND, "max queued " + session.maxQueuedInputBytes());
        assertTrue(recorder.maxQueued.get() > BOUND - FRAME, "the queue did fill up: " + recorder.maxQueued.get());
    }

    @Test
    @DisplayName("Ctrl-C: the engine is interrupted before it reads again, and input queued before it never arrives")
    void ctrlCInterruptsAndDiscardsQueuedInput() throws Exception {
        restart(SessionConfig.DEFAULTS, true);
        RawWebSocket c = loggedIn();
        Session session = session(c.sessionId());
        ControlledEngine engine = engine(0);

        c.send(frame(0x81, ascii("zero\r")));
        engine.release(1);
        await("the engine read the first line", () -> engine.receivedCount() == 5);

        c.send(frame(0x81, ascii("first\r")), frame(0x81, ascii("second\r")));
        await("both lines are queued", () -> session.queuedInputBytes() == 13);
        c.send(frame(0x81, concat(ascii("dropped"), new byte[] {3}, ascii("after\r"))));
        await("the engine was interrupted", () -> engine.events().contains("interrupt"));
        await("only what follows the Ctrl-C is queued", () -> session.queuedInputBytes() == 6);

        engine.release(Long.MAX_VALUE);
        await("the engine read what followed the Ctrl-C", () -> engine.receivedCount() == 11);
        assertEquals(List.of("read zero\r", "interrupt", "read after\r"), engine.events());
        assertEquals("zero\rafter\r", new String(engine.received(), java.nio.charset.StandardCharsets.US_ASCII));
    }
}
