package dev.webrepl.transport.sessions;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A terminal that stops reading while the engine writes a lot is deactivated as a slow consumer at
 * the hard cap; the other terminals are told and carry on (DESIGN "Output, buffering").
 */
@Timeout(120)
class SlowConsumerTest extends SessionsTestBase {
    private static final long CAP = 256 * 1024;
    private static final int CHUNK = 32 * 1024;
    /** A bound on the test, not an expectation: the slow terminal is cut off long before. */
    private static final int MAX_CHUNKS = 4096;

    @Test
    @DisplayName("past the hard cap the non-reading terminal is closed; the reading one gets the line and keeps working")
    void slowConsumerIsDeactivatedOthersCarryOn() throws Exception {
        restart(SessionConfig.DEFAULTS.withOutputLimits(32 * 1024, 128 * 1024, CAP), true);
        RawWebSocket reading = loggedIn();
        String id = reading.sessionId();
        try (RawWebSocket slow = RawWebSocket.connect(server.port(), 4096)) {
            slow.login(attach(id), PASSWORD);
            ControlledEngine engine = engine(0);
            TextReader reader = new TextReader(reading);
            reader.start();

            byte[] chunk = new byte[CHUNK];
            Arrays.fill(chunk, (byte) 'x');
            int written = 0;
            // Paced by the reading terminal, so only the slow one's backlog grows.
            while (session(id).terminals() == 2) {
                assertTrue(written < MAX_CHUNKS, "the slow terminal was never cut off");
                engine.write(chunk);
                written++;
                long expected = (long) written * CHUNK;
                await("the reading terminal got chunk " + expected, () -> reader.size() >= expected);
            }
            String line = "\r\ndupterm: terminal 1 deactivated: slow consumer (more than " + CAP
                    + " bytes of output waiting)\r\n";
            long total = (long) written * CHUNK + line.length();
            await("the reading terminal got the deactivation line", () -> reader.size() >= total);
            byte[] got = reader.text();
            assertEquals(total, got.length);
            for (int i = 0; i < written * CHUNK; i++) {
                if (got[i] != 'x') {
                    throw new AssertionError("output byte " + i + " is " + got[i]);
                }
            }
            assertEquals(line, new String(got, written * CHUNK, line.length(), StandardCharsets.US_ASCII));
            assertEquals(List.of("slow-consumer"), recorder.deactivations);

            int code = slow.skipToClose();
            assertTrue(code == 1008 || code == -1, "close code " + code);

            engine.write(ascii("still here\r\n"));
            await("the reading terminal still gets output", () -> reader.size() == total + 12);
            reading.send(frame(0x81, ascii("typed")));
            engine.release(1);
            await("its input still reaches the engine", () -> engine.receivedCount() == 5);
            assertEquals("typed", new String(engine.received(), StandardCharsets.US_ASCII));
            assertEquals(null, reader.failure.get());
        }
    }

    /** Reads one connection's text frames on its own thread, as a client that keeps up. */
    private static final class TextReader extends Thread {
        private final RawWebSocket socket;
        private final ByteArrayOutputStream text = new ByteArrayOutputStream();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        TextReader(RawWebSocket socket) {
            super("test-reader");
            setDaemon(true);
            this.socket = socket;
        }

        @Override
        public void run() {
            try {
                while (true) {
                    RawWebSocket.Frame f = socket.readFrame();
                    if (f.opcode() != 1) {
                        throw new AssertionError("unexpected frame " + f);
                    }
                    synchronized (text) {
                        text.writeBytes(f.payload());
                    }
                }
            } catch (Throwable e) {
                failure.set(e);   // the socket is closed at the end of the test
            }
        }

        long size() {
            synchronized (text) {
                return text.size();
            }
        }

        byte[] text() {
            synchronized (text) {
                return text.toByteArray();
            }
        }
    }
}
