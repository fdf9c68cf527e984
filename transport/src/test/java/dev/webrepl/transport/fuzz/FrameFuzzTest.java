package dev.webrepl.transport.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.protocol.FileRequest;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.conformance.ServerTestBase;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A frame-level fuzzer against a live server on loopback (issue #9). For a bounded time
 * ({@code -Dwebrepl.fuzz.seconds}, 10 by default) {@value #FUZZERS} raw-socket clients, each with a
 * seeded {@link Random} ({@code -Dwebrepl.fuzz.seed} to replay; the seed is printed), connect again
 * and again and:
 * <ul>
 *   <li>do the webrepl_cli upgrade, or none (frames straight after TCP connect), or send garbage
 *       instead of an HTTP request;</li>
 *   <li>log in (binary or masked text password frame), or send a wrong password, or nothing;</li>
 *   <li>send random frames: every opcode (data 0–2, reserved 3–7 and 0xB–0xF, close, ping, pong),
 *       random FIN and RSV bits, masked or not, 7-, 16- and 64-bit length encodings (minimal or
 *       not), lengths over the server's maximum frame size, lengths that lie (more than follows,
 *       64-bit lengths with the top bit set), control frames with more than 125 bytes and
 *       fragmented control frames, close frames with no, a short, an invalid or a valid status;
 *       payloads of random bytes, terminal input, or file requests (PUT, GET with acks, GET_VER,
 *       the extensions, unknown types) split across frames;</li>
 *   <li>read whatever comes back without ever blocking long (socket timeouts), and end the
 *       connection abruptly, with a close frame, or by half-closing and reading to EOF.</li>
 * </ul>
 * Meanwhile a control session of the Java client logs in and gets an echo every 100 ms. Afterwards:
 * every echo came back in time, the server accepts and serves a new session, and its open
 * connections return to one (the control) and then zero. Buffer leaks (Netty's detector runs at
 * paranoid level in every test JVM) fail the class through testkit's {@code LeakCheck}, which runs
 * after it: it collects garbage, allocates to make the detectors report, and fails on any report.
 */
class FrameFuzzTest extends ServerTestBase {
    static final int FUZZERS = 3;
    /** No single fuzz connection lives longer: a write the server does not read is cut off by closing the socket. */
    private static final long CONNECTION_LIFETIME_MS = 3_000;
    private static final Duration ECHO_LIMIT = Duration.ofSeconds(5);

    /**
     * Every fuzzer connects from 127.0.0.1 and many send wrong passwords: the login throttle would
     * lock that address out (and the control session's address with it), so it is off here; it has
     * its own tests (SecurityLimitsTest).
     */
    @Override
    protected dev.webrepl.transport.server.ServerOptions configure(dev.webrepl.transport.server.ServerOptions options) {
        return options.withSecurity(options.security()
                .withLoginFailures(Integer.MAX_VALUE, java.time.Duration.ofSeconds(1))
                .withFailureDelay(java.time.Duration.ZERO, java.time.Duration.ZERO)
                .withMaxConnectionsPerAddress(10_000));
    }

    @Override
    protected SessionRegistry newRegistry() {
        // No lingering: a session ends with its last terminal, so the registry empties as the fuzzers leave.
        return new SessionRegistry(EchoEvaluator::engine, new SecureRandom(), SessionConfig.DEFAULTS.withLinger(Duration.ZERO));
    }

    @Test
    void theServerSurvivesRandomFramesAndKeepsServingAControlSession() throws Exception {
        long seconds = Long.getLong("webrepl.fuzz.seconds", 10);
        long seed = Long.getLong("webrepl.fuzz.seed", new Random().nextLong());
        System.out.println("FrameFuzzTest: " + FUZZERS + " fuzzers for " + seconds + " s, seed " + seed
                + " (replay: -Dwebrepl.fuzz.seed=" + seed + ")");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService fuzzers = Executors.newFixedThreadPool(FUZZERS);
        ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor();
        try (WebReplClient client = WebReplClient.newClient();
             ReplConnection control = client.connect("127.0.0.1", server.port(), PASSWORD).get(10, TimeUnit.SECONDS)) {
            StringBuffer echoed = new StringBuffer();
            control.output().subscribe(b -> echoed.append(new String(b, StandardCharsets.ISO_8859_1)));
            List<Future<Long>> running = new ArrayList<>();
            for (int k = 0; k < FUZZERS; k++) {
                Fuzzer f = new Fuzzer(server.port(), new Random(seed + k), reaper);
                running.add(fuzzers.submit(() -> f.runUntil(deadline)));
            }
            int pings = 0;
            long slowest = 0;
            while (System.nanoTime() < deadline) {
                slowest = Math.max(slowest, echo(control, echoed, "ping-" + pings++ + "."));
                Thread.sleep(100);
            }
            long connections = 0;
            for (Future<Long> f : running) {
                connections += f.get(30, TimeUnit.SECONDS);
            }
            System.out.println("FrameFuzzTest: " + connections + " fuzz connections, " + pings
                    + " control echoes, slowest " + slowest / 1_000_000 + " ms");
            assertTrue(connections >= FUZZERS, "the fuzzers connected");
            // The control session still works, and a new one can be opened and served.
            echo(control, echoed, "after-the-fuzz.");
            try (RawWebSocket fresh = RawWebSocket.connect(server.port())) {
                fresh.login(PASSWORD);
                fresh.send(RawWebSocket.frame(0x82, FileRequest.of(FileRequest.GET_VER, 0, "").encode()));
                assertEquals(2, fresh.readFrame().opcode(), "GET_VER answered");
            }
            await("only the control connection is left", () -> server.openConnections() == 1);
            await("only the control session is left", () -> server.sessions().size() == 1);
        } finally {
            fuzzers.shutdownNow();
            reaper.shutdownNow();
            assertTrue(fuzzers.awaitTermination(10, TimeUnit.SECONDS), "fuzzers stopped");
        }
        await("every connection is closed", () -> server.openConnections() == 0);
        await("every session has ended", () -> server.sessions().size() == 0);
    }

    /** Sends {@code line} on the control session and waits until it is echoed; returns the round trip in ns. */
    private static long echo(ReplConnection control, StringBuffer echoed, String line) throws Exception {
        long start = System.nanoTime();
        control.send(line + "\r").get(ECHO_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        long limit = start + ECHO_LIMIT.toNanos();
        // The line discipline echoes the keys, then the echo engine writes the line back: two copies.
        while (count(echoed, line) < 2) {
            if (System.nanoTime() > limit) {
                throw new AssertionError("the control session did not echo '" + line + "' within " + ECHO_LIMIT
                        + "; output so far ends with: " + tail(echoed));
            }
            Thread.sleep(2);
        }
        return System.nanoTime() - start;
    }

    private static int count(StringBuffer s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static String tail(StringBuffer s) {
        return RawWebSocket.show(s.substring(Math.max(0, s.length() - 200)).getBytes(StandardCharsets.ISO_8859_1));
    }

    /** One fuzzing client: connection after connection until the deadline. */
    private static final class Fuzzer {
        private final int port;
        private final Random random;
        private final ScheduledExecutorService reaper;
        private final byte[] sink = new byte[65536];
        private final AtomicLong connections = new AtomicLong();

        Fuzzer(int port, Random random, ScheduledExecutorService reaper) {
            this.port = port;
            this.random = random;
            this.reaper = reaper;
        }

        long runUntil(long deadline) {
            while (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
                try (Socket s = new Socket()) {
                    s.setSoTimeout(50);
                    s.setTcpNoDelay(true);
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                    connections.incrementAndGet();
                    Future<?> cutOff = reaper.schedule(() -> quietlyClose(s), CONNECTION_LIFETIME_MS, TimeUnit.MILLISECONDS);
                    try {
                        session(s, deadline);
                    } finally {
                        cutOff.cancel(false);
                    }
                } catch (IOException expected) {
                    // The server closed on us, or the reaper did: both are part of the game.
                }
            }
            return connections.get();
        }

        private void session(Socket s, long deadline) throws IOException {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            int opening = random.nextInt(20);
            if (opening == 0) {
                out.write(bytes(random.nextInt(300)));
            } else if (opening > 1) {
                out.write(RawWebSocket.CLI_REQUEST);
            }
            drain(in);
            switch (random.nextInt(5)) {
                case 0, 1 -> out.write(RawWebSocket.frame(0x82, ascii(PASSWORD + "\r")));
                case 2 -> out.write(RawWebSocket.masked(0x81, ascii(PASSWORD + "\n"), mask()));
                case 3 -> out.write(RawWebSocket.frame(0x81, ascii("wrong\r")));
                default -> { }
            }
            int frames = random.nextInt(40);
            for (int i = 0; i < frames && System.nanoTime() < deadline; i++) {
                out.write(randomFrame());
                drain(in);
            }
            switch (random.nextInt(4)) {
                case 0 -> out.write(frame(0x88, closePayload(), random.nextBoolean() ? mask() : null));
                case 1 -> {
                    s.shutdownOutput();
                    readToEof(in);
                }
                default -> { }
            }
        }

        /** Reads what has arrived, waiting at most one socket timeout (50 ms) when nothing has. */
        private void drain(InputStream in) throws IOException {
            try {
                do {
                    if (in.read(sink, 0, Math.max(1, Math.min(sink.length, in.available()))) < 0) {
                        return;
                    }
                } while (in.available() > 0);
            } catch (SocketTimeoutException nothingYet) {
                // nothing to read now
            }
        }

        private void readToEof(InputStream in) throws IOException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < end) {
                try {
                    if (in.read(sink) < 0) {
                        return;
                    }
                } catch (SocketTimeoutException stillOpen) {
                    // keep waiting until the bound
                }
            }
        }

        private byte[] randomFrame() {
            int opcode = switch (random.nextInt(12)) {
                case 0, 1, 2 -> 2;
                case 3, 4 -> 1;
                case 5, 6 -> 0;
                case 7 -> 8;
                case 8 -> 9;
                case 9 -> 0xA;
                case 10 -> 3 + random.nextInt(5);
                default -> 0xB + random.nextInt(5);
            };
            int first = opcode | (random.nextInt(5) != 0 ? 0x80 : 0);
            if (random.nextInt(10) == 0) {
                first |= (1 + random.nextInt(7)) << 4; // RSV bits
            }
            byte[] payload = switch (random.nextInt(6)) {
                case 0 -> fileRequest();
                case 1 -> ascii(random.nextInt(1000) + "*7\r");
                case 2 -> bytes(random.nextInt(4) == 0 ? 126 + random.nextInt(70_000) : random.nextInt(126));
                default -> bytes(random.nextInt(30));
            };
            byte[] mask = random.nextBoolean() ? mask() : null;
            int lengthForm = random.nextInt(12);
            if (lengthForm == 0) {
                return lyingFrame(first, payload, mask);
            }
            return frame(first, payload, mask, lengthForm == 1 ? 16 : lengthForm == 2 ? 64 : 0);
        }

        /** A record of any type (known, extension or unknown), sometimes followed by data or acks. */
        private byte[] fileRequest() {
            int type = random.nextInt(4) == 0 ? random.nextInt(256) : random.nextInt(2) == 0
                    ? 1 + random.nextInt(3) : 0x40 + random.nextInt(9);
            String name = List.of("f", "d/f", "../x", "", "/", ".webrepl/p", "caf\u00e9").get(random.nextInt(7));
            byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
            byte[] record = new FileRequest(type, random.nextInt(4), random.nextInt(3) == 0 ? random.nextInt(100) : 0,
                    random.nextInt(2000), random.nextInt(5000), java.util.Arrays.copyOf(utf8, 64)).encode();
            if (random.nextBoolean()) {
                return record;
            }
            byte[] withData = java.util.Arrays.copyOf(record, record.length + random.nextInt(3000));
            return withData;
        }

        private byte[] closePayload() {
            return switch (random.nextInt(4)) {
                case 0 -> new byte[0];
                case 1 -> bytes(1);
                case 2 -> new byte[] {(byte) random.nextInt(256), (byte) random.nextInt(256)};
                default -> ByteBuffer.allocate(2 + 5).putShort((short) 1000).put(ascii("bye!!")).array();
            };
        }

        /** A frame whose length field says more than follows, or a 64-bit length with the top bit set. */
        private byte[] lyingFrame(int first, byte[] payload, byte[] mask) {
            ByteBuffer b = ByteBuffer.allocate(payload.length + 14);
            b.put((byte) first);
            int maskBit = mask == null ? 0 : 0x80;
            if (random.nextBoolean()) {
                b.put((byte) (maskBit | 127)).putLong(random.nextBoolean() ? Long.MIN_VALUE | random.nextLong() : 1L << 40);
            } else {
                b.put((byte) (maskBit | 126)).putShort((short) (payload.length + 1 + random.nextInt(1000)));
            }
            if (mask != null) {
                b.put(mask);
            }
            b.put(payload);
            return java.util.Arrays.copyOf(b.array(), b.position());
        }

        private byte[] mask() {
            return bytes(4);
        }

        private byte[] bytes(int n) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            return b;
        }

        private static void quietlyClose(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing a socket that is already gone
            }
        }
    }

    /** A frame with a minimal length encoding, or forced to the 16- or 64-bit form ({@code form} 16, 64). */
    static byte[] frame(int first, byte[] payload, byte[] mask) {
        return frame(first, payload, mask, 0);
    }

    static byte[] frame(int first, byte[] payload, byte[] mask, int form) {
        ByteBuffer b = ByteBuffer.allocate(payload.length + 14);
        b.put((byte) first);
        int maskBit = mask == null ? 0 : 0x80;
        int n = payload.length;
        if (form == 64 || n > 0xFFFF) {
            b.put((byte) (maskBit | 127)).putLong(n);
        } else if (form == 16 || n >= 126) {
            b.put((byte) (maskBit | 126)).putShort((short) n);
        } else {
            b.put((byte) (maskBit | n));
        }
        if (mask != null) {
            b.put(mask);
            for (int i = 0; i < n; i++) {
                b.put((byte) (payload[i] ^ mask[i & 3]));
            }
        } else {
            b.put(payload);
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
