package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.concat;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static dev.webrepl.transport.conformance.RawWebSocket.hex;
import static dev.webrepl.transport.conformance.RawWebSocket.masked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.protocol.ConnectionRecorder;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README "Security", the outbound limit: a client that sends and never reads cannot make the server
 * queue more than 1 MiB for it. Its pings are not read any further once their pongs back up, and
 * replies it provokes past the limit close it, counted once; meanwhile others log in and work.
 */
@Timeout(90)
class OutboundLimitTest extends ServerTestBase {
    /** The documented default (README "Security"): bytes queued for one client, replies and socket buffer. */
    private static final long LIMIT = 1 << 20;
    /** A bound on the flood, not an expectation: far more than the kernel's buffers can hold (< 40 MiB here). */
    private static final int MAX_PINGS = 512 * 1024;
    private static final int PINGS_PER_WRITE = 64;

    private final Map<String, AtomicInteger> refused = new ConcurrentHashMap<>();
    private final AtomicInteger readPauses = new AtomicInteger();
    private final List<Long> peaks = new CopyOnWriteArrayList<>();

    @Override
    protected ServerOptions configure(ServerOptions options) {
        return options.withRecorder(new ConnectionRecorder() {
            @Override
            public void refused(String reason) {
                refused.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void readingPaused() {
                readPauses.incrementAndGet();
            }

            @Override
            public void outboundPeak(long bytes) {
                peaks.add(bytes);
            }
        });
    }

    private int refusedFor(String reason) {
        AtomicInteger n = refused.get(reason);
        return n == null ? 0 : n.get();
    }

    @Test
    void pingsFromAClientThatNeverReadsStopBeingReadAndQueueNoMoreThanTheLimit() throws Exception {
        RawWebSocket flooder = RawWebSocket.connect(server.port(), 4096);
        flooder.handshake();
        byte[] ping = masked(0x89, new byte[125]);
        byte[] batch = new byte[ping.length * PINGS_PER_WRITE];
        for (int i = 0; i < PINGS_PER_WRITE; i++) {
            System.arraycopy(ping, 0, batch, i * ping.length, ping.length);
        }
        AtomicLong pingsSent = new AtomicLong();
        Thread writer = new Thread(() -> {
            try {
                while (pingsSent.get() < MAX_PINGS) {
                    flooder.send(batch);
                    pingsSent.addAndGet(PINGS_PER_WRITE);
                }
            } catch (IOException closedByTheTest) {
                // The test closes the socket while this thread is blocked writing.
            }
        }, "ping-flooder");
        writer.start();
        try {
            // The kernel takes several MB of pongs first, slowly under the paranoid leak detector: a longer deadline.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            while (readPauses.get() == 0) {
                assertTrue(System.nanoTime() < deadline, "the flooder was still read after " + pingsSent + " pings");
                assertTrue(writer.isAlive(), "the server read all " + MAX_PINGS + " pings of a client that never reads");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            // Someone else logs in and works meanwhile.
            try (RawWebSocket other = RawWebSocket.connect(server.port())) {
                other.login("/", PASSWORD);
                other.send(frame(0x81, ascii("6*7\r")));
                other.expectText("6*7\r\n6*7\r\n>>> ");
            }
            assertTrue(writer.isAlive(), "the server read all " + MAX_PINGS + " pings of a client that never reads");
            assertTrue(pingsSent.get() < MAX_PINGS, pingsSent + " pings got out");
        } finally {
            flooder.close();
            writer.join(10_000);
        }
        assertFalse(writer.isAlive(), "the flooding thread did not end");
        await("both connections ended", () -> peaks.size() == 2);
        for (long peak : peaks) {
            assertTrue(peak <= LIMIT, "queued " + peak + " bytes for a client, past the limit " + LIMIT);
        }
        // Paused, not closed: coalesced pongs never reach the limit.
        assertEquals(0, refusedFor("outbound-limit"));
    }

    @Test
    void terminalInputFromAClientThatNeverReadsItsEchoStopsBeingRead() throws Exception {
        RawWebSocket typist = RawWebSocket.connect(server.port(), 4096);
        typist.login("/", PASSWORD);
        byte[] line = masked(0x81, ascii("x".repeat(120) + "\r"));
        byte[] batch = new byte[line.length * PINGS_PER_WRITE];
        for (int i = 0; i < PINGS_PER_WRITE; i++) {
            System.arraycopy(line, 0, batch, i * line.length, line.length);
        }
        AtomicLong linesSent = new AtomicLong();
        Thread writer = new Thread(() -> {
            try {
                while (linesSent.get() < MAX_PINGS) {
                    typist.send(batch);
                    linesSent.addAndGet(PINGS_PER_WRITE);
                }
            } catch (IOException closedByTheTest) {
                // The test closes the socket while this thread is blocked writing.
            }
        }, "typist");
        writer.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            while (readPauses.get() == 0) {
                assertTrue(System.nanoTime() < deadline, "the typist was still read after " + linesSent + " lines");
                assertTrue(writer.isAlive(), "the server read all " + MAX_PINGS + " lines of a client that never reads");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            assertTrue(writer.isAlive(), "the server read all " + MAX_PINGS + " lines of a client that never reads");
        } finally {
            typist.close();
            writer.join(10_000);
        }
        assertFalse(writer.isAlive(), "the typing thread did not end");
        await("the connection ended", () -> peaks.size() == 1);
        assertTrue(peaks.get(0) <= LIMIT, "queued " + peaks.get(0) + " bytes, past the limit " + LIMIT);
        assertEquals(0, refusedFor("outbound-limit"));
    }

    @Test
    void fileRepliesPastTheLimitCloseTheClientOnceAndCountIt() throws Exception {
        // 256 chunks of 65533 bytes, all asked for by one frame of 256 acks (each byte is one, spec §4.4).
        int chunks = 256;
        try (RandomAccessFile f = new RandomAccessFile(root.resolve("big.bin").toFile(), "rw")) {
            f.setLength((long) chunks * ServerOptions.DEFAULT_GET_CHUNK);
        }
        RawWebSocket c = RawWebSocket.connect(server.port(), 4096);
        c.login("/", PASSWORD);
        c.send(FileProtocol.getFrame("big.bin"));
        c.expect(hex("82 04 57 42 00 00"));
        c.send(frame(0x82, new byte[chunks]));
        await("the client was closed at the limit", () -> refusedFor("outbound-limit") == 1);
        c.close();
        await("the connection ended", () -> peaks.size() == 1);
        assertTrue(peaks.get(0) <= LIMIT, "queued " + peaks.get(0) + " bytes, past the limit " + LIMIT);
        assertEquals(1, refusedFor("outbound-limit"));
        // The server still serves: the file is whole and another client gets it from the start.
        RawWebSocket other = RawWebSocket.connect(server.port());
        try {
            other.login("/", PASSWORD);
            other.send(FileProtocol.getFrame("big.bin"));
            other.expect(hex("82 04 57 42 00 00"));
            other.send(FileProtocol.ACK);
            other.expect(concat(hex("82 7E FF FF FD FF"), new byte[ServerOptions.DEFAULT_GET_CHUNK]));
        } finally {
            other.close();
        }
    }
}
