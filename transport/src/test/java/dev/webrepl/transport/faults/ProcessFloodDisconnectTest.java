package dev.webrepl.transport.faults;

import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.process.ProcessEngine;
import dev.webrepl.engines.process.ProcessEngineConfig;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 15 point 3: a client floods {@code /bin/cat} in a pty with input and reads none of its output,
 * so cat is paused, the session's input queue is full and one more chunk waits for room; then the
 * client goes. However it goes, its terminal is detached at once, the pending input is dropped and,
 * with no linger, the session ends, cat is reaped and the session's pty threads end.
 */
// A separate thread: a socket write the server never takes could not be interrupted.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessFloodDisconnectTest extends FaultsTestBase {
    /** One input line per frame: cat answers each (the tty echoes it, cat writes it back). */
    private static final byte[] LINE = line(1000);
    /** The flood stops here if cat never gets stuck. */
    private static final long FLOOD_CAP = 64L << 20;
    /** Far below what the kernel buffers on loopback (its initial receive window alone is larger). */
    private static final long IN_FLIGHT = 16 * 1024;

    enum Disconnect {
        /** SO_LINGER 0: a client that crashed. */
        RESET,
        /**
         * A FIN first (shutdown of the client's output), then the socket is closed: with its output
         * unread, the client's kernel then resets the connection, and that is what the server sees.
         */
        FIN,
        /** A close frame (RFC 6455) behind the flood, then the socket is closed. */
        CLOSE_FRAME,
        /** A FIN only: the client keeps its socket open and still reads nothing. */
        HALF_CLOSE
    }

    @ParameterizedTest
    @EnumSource(Disconnect.class)
    void aFloodedCatSessionEndsAndItsChildIsReapedWhenTheClientGoes(Disconnect how) throws Exception {
        List<ProcessEngine> made = startCat(Duration.ZERO);
        RawWebSocket client = track(RawWebSocket.connect(server.port(), 4096)).login(PASSWORD);
        Session session = server.sessions().sessions().iterator().next();
        await("cat started", () -> made.size() == 1 && ProcessChildKilledTest.started(made.get(0)));
        ProcessHandle child = ProcessHandle.of(made.get(0).pid()).orElseThrow();

        floodUntilStuck(client, session);
        if (how == Disconnect.CLOSE_FRAME) {
            client.send(RawWebSocket.masked(0x88, ByteBuffer.allocate(2).putShort((short) 1000).array()));
        }

        switch (how) {
            case RESET -> client.reset();
            case FIN -> {
                client.shutdownOutput();
                client.close();
            }
            case CLOSE_FRAME -> client.close();
            case HALF_CLOSE -> client.shutdownOutput();
        }

        await("the session ended", () -> server.sessions().size() == 0);
        await("cat reaped", () -> !child.isAlive());
        String threads = "webrepl-session-" + session.id() + "-";
        await("its pty threads ended", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith(threads)));
        assertEquals(0, session.terminals());
        assertEquals(List.of("peer-gone"), deactivations);
        assertEquals(List.of("detached"), ends);
    }

    @Test
    void withLingerTheSessionStaysWithoutTheTerminalAndWithoutItsWaitingInput() throws Exception {
        List<ProcessEngine> made = startCat(Duration.ofMinutes(5));
        RawWebSocket client = track(RawWebSocket.connect(server.port(), 4096)).login(PASSWORD);
        Session session = server.sessions().sessions().iterator().next();
        await("cat started", () -> made.size() == 1 && ProcessChildKilledTest.started(made.get(0)));

        floodUntilStuck(client, session);
        client.reset();

        await("the terminal left", () -> session.terminals() == 0);
        assertEquals(0, session.waitingInputBytes(), "its input waiting for room is dropped");
        assertEquals(List.of("peer-gone"), deactivations);
        assertEquals(1, server.sessions().size(), "the session lingers for a re-attach");
        assertEquals(List.of(), ends);
    }

    /** Restarts the server with {@code /bin/cat} sessions that linger for {@code linger}; returns the engines as made. */
    private List<ProcessEngine> startCat(Duration linger) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/cat")), "needs /bin/cat");
        List<ProcessEngine> made = new CopyOnWriteArrayList<>();
        ProcessEngineConfig cat = new ProcessEngineConfig(List.of("/bin/cat"), Map.of("PATH", "/usr/bin:/bin"),
                root, 80, 24, Duration.ofSeconds(1));
        restart(SessionConfig.DEFAULTS.withLinger(linger).withIdleTimeout(Duration.ZERO), () -> {
            ProcessEngine e = new ProcessEngine(cat);
            made.add(e);
            return e;
        });
        return made;
    }

    /**
     * Sends lines until the client's input is held back (a line waits for room in the input queue
     * behind a cat paused by its unread output, or the server has stopped reading this client). A line goes only while less than
     * {@link #IN_FLIGHT} bytes are sent and not yet offered to the session, so the kernel's buffers
     * never fill, no write blocks, and what the test sends next (a close frame) gets through; the cap
     * and the deadline bound a server that never gets there.
     */
    private static void floodUntilStuck(RawWebSocket client, Session session) throws IOException {
        byte[] frame = frame(0x81, LINE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long sent = 0;
        // Stuck: the client's input is held back, waiting for room in the session's queue behind a paused
        // cat, or not read at all: the server stops reading a client that does not take its output
        // (README "Security"), which now comes first, before cat's backlog reaches the high-water mark.
        while (!(session.waitingInputBytes() > 0 || sent - session.inputBytes() >= IN_FLIGHT)) {
            if (sent > FLOOD_CAP || System.nanoTime() > deadline) {
                throw new AssertionError("cat never got stuck: " + sent + " bytes sent");
            }
            if (sent - session.inputBytes() < IN_FLIGHT) {
                client.send(frame);
                sent += LINE.length;
            } else {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
    }

    private static byte[] line(int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) 'x');
        b[length - 1] = '\n';
        return b;
    }

}
