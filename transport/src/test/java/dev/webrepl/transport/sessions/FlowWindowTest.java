package dev.webrepl.transport.sessions;

import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.protocol.FileRequest;
import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * FLOW and ACK over a real socket (PROTOCOL.md §9): with a window and no ACKs the server sends the
 * text frames up to the first one that crosses the window and no more; ACKs release the rest, in
 * order; FLOW 0 turns the window off; the held output is the terminal's backlog, so a producer that
 * cannot pause gets the terminal deactivated at the session's hard cap.
 */
@Timeout(60)
class FlowWindowTest extends SessionsTestBase {
    static final byte[] OK = {'W', 'B', 0, 0};
    static final byte[] INVALID = {'W', 'B', 22, 0};

    @BeforeEach
    void controlledEngines() throws IOException {
        restart(SessionConfig.DEFAULTS, true);
    }

    @Test
    void withoutAcksOutputStopsAtTheFrameThatCrossesTheWindowAndAcksReleaseTheRestInOrder() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(flow(10_000));
        c.expectBinary(OK);
        byte[] all = writeChunks(engine(0), 20, 3000);

        // 3000, 6000, 9000 are below the window; the frame that reaches 12000 crosses it and is still sent.
        byte[] first = readText(c, 12_000);
        assertEquals(12_000, first.length);
        assertNothingMoreBeforeAFileReply(c);

        ByteArrayOutputStream got = new ByteArrayOutputStream();
        got.writeBytes(first);
        receiveAcking(c, got, 12_000, 10_000, all.length);
        assertArrayEquals(all, got.toByteArray());
    }

    @Test
    void flowZeroTurnsTheWindowOffAndTheHeldOutputFollowsTheReply() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(flow(5000));
        c.expectBinary(OK);
        ControlledEngine engine = engine(0);
        byte[] all = writeChunks(engine, 10, 2000);
        byte[] first = readText(c, 6000);
        assertNothingMoreBeforeAFileReply(c);

        c.send(flow(0));
        c.expectBinary(OK);
        byte[] rest = readText(c, 14_000);
        byte[] more = writeChunks(engine, 10, 4000);
        byte[] after = readText(c, 40_000);
        assertArrayEquals(all, concat(first, rest));
        assertArrayEquals(more, after);
    }

    @Test
    void aWindowOver16MiBIsInvalidAndChangesNothing() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(frame(0x82, new FileRequest(FileRequest.FLOW, 0, 0, FileRequest.MAX_FLOW_WINDOW + 1L, 0,
                new byte[FileRequest.NAME_FIELD]).encode()));
        c.expectBinary(INVALID);
        c.send(flow(FileRequest.MAX_FLOW_WINDOW));
        c.expectBinary(OK);
        byte[] all = writeChunks(engine(0), 8, 60_000);
        assertArrayEquals(all, readText(c, all.length));
    }

    @Test
    void aViewerPacesItsOwnOutputWithFlowAndAckWhileTheOtherTerminalGetsEverything() throws Exception {
        RawWebSocket writer = loggedIn();
        RawWebSocket viewer = loggedIn(attach(writer.sessionId()) + "?mode=view");
        viewer.send(flow(5000));
        viewer.expectBinary(OK);
        byte[] all = writeChunks(engine(0), 10, 2000);

        assertArrayEquals(all, readText(writer, all.length));
        byte[] first = readText(viewer, 6000);
        assertNothingMoreBeforeAFileReply(viewer);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        got.writeBytes(first);
        receiveAcking(viewer, got, 6000, 5000, all.length);
        assertArrayEquals(all, got.toByteArray());
    }

    @Test
    void heldOutputIsBacklogSoAProducerThatCannotPauseGetsTheTerminalDeactivatedAtTheHardCap() throws Exception {
        long cap = 256 * 1024;
        int chunk = 32 * 1024;
        restart(SessionConfig.DEFAULTS.withOutputLimits(32 * 1024, 128 * 1024, cap), true);
        RawWebSocket c = loggedIn();
        Session session = session(c.sessionId());
        c.send(flow(8192));
        c.expectBinary(OK);
        ControlledEngine engine = engine(0);
        byte[] block = new byte[chunk];
        Arrays.fill(block, (byte) 'y');

        engine.write(block);
        assertArrayEquals(block, readText(c, chunk));   // crosses the window: nothing more is sent
        int writes = 1;
        while (session.terminals() == 1) {
            assertTrue(writes < 64, "the terminal was never cut off");
            engine.write(block);
            writes++;
        }
        // Held after the first frame: the backlog reaches the cap (8 chunks) and the next write passes it.
        assertEquals(1 + (int) (cap / chunk) + 1, writes);
        assertEquals(List.of("slow-consumer"), recorder.deactivations);
        assertEquals("slow consumer (more than " + cap + " bytes of output waiting)", c.expectClose(1008));
    }

    // ---- helpers ----

    static byte[] flow(int window) {
        return frame(0x82, FileRequest.flow(window).encode());
    }

    static byte[] ack(long bytes) {
        return frame(0x82, FileRequest.ack(bytes).encode());
    }

    /** Writes {@code n} chunks of {@code size} bytes, chunk i filled with a letter of its own; returns them all. */
    static byte[] writeChunks(ControlledEngine engine, int n, int size) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            byte[] chunk = new byte[size];
            Arrays.fill(chunk, (byte) ('A' + i % 26));
            engine.write(chunk);
            all.writeBytes(chunk);
        }
        return all.toByteArray();
    }

    /** Exactly {@code n} bytes of text frames; fails on any other frame or a frame past {@code n}. */
    static byte[] readText(RawWebSocket c, int n) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < n) {
            RawWebSocket.Frame f = c.readFrame();
            assertEquals(1, f.opcode(), "expected terminal output, got " + f);
            got.writeBytes(f.payload());
        }
        assertEquals(n, got.size(), "text past the expected " + n + " bytes");
        return got.toByteArray();
    }

    /**
     * Sends GET_VER and asserts its reply is the next frame. File replies are never held by the window,
     * and text frames already let through would be on the wire before it: so no further output was sent.
     */
    static void assertNothingMoreBeforeAFileReply(RawWebSocket c) throws IOException {
        c.send(frame(0x82, FileRequest.of(FileRequest.GET_VER, 0, "").encode()));
        RawWebSocket.Frame f = c.readFrame();
        assertEquals(2, f.opcode(), "output past the window: " + f);
        assertEquals(3, f.payload().length);
    }

    /**
     * Reads until {@code total} bytes are in {@code got}, acknowledging in batches of at least
     * {@code window} (so the server has to wait for each batch), and checks on every frame that the
     * server sent it only while less than {@code window} bytes were unacknowledged.
     */
    static void receiveAcking(RawWebSocket c, ByteArrayOutputStream got, long unacked, int window, int total)
            throws IOException {
        long pending = unacked;
        while (got.size() < total) {
            if (pending >= window) {
                c.send(ack(pending));
                pending = 0;
            }
            RawWebSocket.Frame f = c.readFrame();
            assertEquals(1, f.opcode(), "expected terminal output, got " + f);
            assertTrue(pending < window, "a frame arrived with " + pending + " bytes unacknowledged");
            got.writeBytes(f.payload());
            pending += f.payload().length;
        }
        assertEquals(total, got.size());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    static void assertArrayEquals(byte[] expected, byte[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual,
                "output differs (" + expected.length + " bytes expected, " + actual.length + " got)");
    }
}
