package dev.webrepl.transport.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.ConnectionRecorder;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.core.protocol.TransferListener;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.faults.CuttingProxy;
import dev.webrepl.transport.faults.CuttingProxy.Cut;
import dev.webrepl.transport.faults.CuttingProxy.Relayed;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #6 end to end: a resumable PUT and a resumed GET through the real client, their
 * connections cut by a {@link CuttingProxy} at random byte counts and resumed until complete, give
 * byte-identical files (PROTOCOL.md §6). The seed is in every message; {@code -Dwebrepl.test.seed=S}
 * replays a run.
 */
@Timeout(60)
class ResumeThroughCutsTest {
    private static final String PASSWORD = "secret";

    @TempDir
    Path serverRoot;
    @TempDir
    Path local;

    private final long seed = Long.getLong("webrepl.test.seed", System.nanoTime());
    private final Random random = new Random(seed);
    /** PUTs the server ended because their connection dropped: a partial is released after each. */
    private final Semaphore putsAborted = new Semaphore(0);
    private WebReplServer server;
    private WebReplClient client;
    private CuttingProxy proxy;

    @BeforeEach
    void start() throws IOException {
        ConnectionRecorder recorder = new ConnectionRecorder() {
            @Override
            public void transferEnded(TransferListener.Kind kind, String detail, long bytes, FileStatus status,
                                      Duration took) {
                if (kind == TransferListener.Kind.PUT && status == FileStatus.IO_ERROR) {
                    putsAborted.release();
                }
            }
        };
        server = WebReplServer.start(
                ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(serverRoot)).withPort(0)
                        .withRecorder(recorder),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom()));
        client = WebReplClient.newClient();
        proxy = CuttingProxy.start(server.port());
    }

    @AfterEach
    void stop() {
        try {
            proxy.close();
        } finally {
            try {
                client.close();
            } finally {
                server.close();
            }
        }
    }

    private String why() {
        return "seed " + seed + " (rerun with -Dwebrepl.test.seed=" + seed + ")";
    }

    /** About 3 MB of random bytes. */
    private byte[] randomContent() {
        byte[] content = new byte[3_000_000 + random.nextInt(100_000)];
        random.nextBytes(content);
        return content;
    }

    private CuttingProxy.Close randomClose() {
        return random.nextBoolean() ? CuttingProxy.Close.FIN : CuttingProxy.Close.RST;
    }

    /** Remembers the first progress report: where the transfer started. */
    private static final class StartSeen implements TransferProgress {
        private volatile long start = -1;

        @Override
        public void update(long done, long total) {
            if (start < 0) {
                start = done;
            }
        }
    }

    /** Runs {@code transfer} on a new logged-in connection through the proxy, which plans {@code cut} for it. */
    private <T> Attempt<T> throughProxy(Cut cut, Transfer<T> transfer) throws Exception {
        CompletableFuture<Relayed> relayed = proxy.nextConnection(cut);
        Throwable failure = null;
        T value = null;
        try (ReplConnection c = client.connect("127.0.0.1", proxy.port(), PASSWORD).join()) {
            value = transfer.run(c).join();
        } catch (CompletionException e) {
            failure = e.getCause();
        }
        return new Attempt<>(cut, value, failure, relayed.get(10, TimeUnit.SECONDS));
    }

    @FunctionalInterface
    private interface Transfer<T> {
        CompletableFuture<T> run(ReplConnection c);
    }

    private record Attempt<T>(Cut cut, T value, Throwable failure, Relayed relayed) {
        @Override
        public String toString() {
            return (cut == Cut.NONE ? "uncut" : cut.direction() + " cut after " + cut.afterBytes() + " (" + cut.close()
                    + ")") + " -> " + (failure == null ? "ok " + value : failure) + ", relayed " + relayed;
        }
    }

    @Test
    void resumablePutCutAtRandomBytesAndResumedGivesTheSameFile() throws Exception {
        byte[] content = randomContent();
        Path source = Files.write(local.resolve("big.bin"), content);
        Files.createDirectories(serverRoot.resolve("up"));
        int cuts = 3 + random.nextInt(4);
        int maxAttempts = 3 * cuts + 2;
        List<Attempt<Long>> attempts = new ArrayList<>();
        long have = 0;  // the most the server said it held when a PUT started
        int interrupted = 0;
        while (true) {
            assertTrue(attempts.size() < maxAttempts, () -> why() + ": no complete upload in " + maxAttempts
                    + " attempts: " + attempts);
            // A cut of at most the bytes still missing always lands before the last data byte, since
            // the handshake, login and PUT record come first (unless the server held more than it said).
            Cut cut = interrupted < cuts ? Cut.clientToServer(1 + random.nextLong(content.length - have), randomClose())
                    : Cut.NONE;
            StartSeen start = new StartSeen();
            Attempt<Long> attempt = throughProxy(cut, c -> c.resumePut(source, "up/big.bin", start));
            attempts.add(attempt);
            String trace = why() + ": " + attempts;
            if (start.start >= 0) {
                assertTrue(start.start >= have, trace + ": the server's partial shrank from " + have + " to "
                        + start.start);
                have = start.start;
            }
            if (attempt.failure() == null) {
                assertEquals(content.length, attempt.value(), trace);
                break;
            }
            if (attempt.failure() instanceof FileTransferException busy && busy.status() == FileStatus.BUSY) {
                // The server had not yet noticed a cut connection still writing the partial (§6): wait until it has.
                assertTrue(putsAborted.tryAcquire(10, TimeUnit.SECONDS), trace + ": the partial stayed busy");
                continue;
            }
            assertInstanceOf(ConnectionLostException.class, attempt.failure(), trace);
            assertTrue(attempt.relayed().cut(), trace + ": the connection was lost without a cut");
            interrupted++;
        }
        String trace = why() + ": " + attempts;
        assertTrue(interrupted >= 1, trace);
        assertArrayEquals(content, Files.readAllBytes(serverRoot.resolve("up/big.bin")), trace);
        assertEquals(List.of(), names(serverRoot.resolve(".webrepl/partial")), trace + ": a partial is left");
        assertEquals(List.of("big.bin"), names(serverRoot.resolve("up")), trace);
    }

    @Test
    void resumedGetCutAtRandomBytesAndResumedGivesTheSameFile() throws Exception {
        byte[] content = randomContent();
        Files.write(serverRoot.resolve("down.bin"), content);
        Path partial = local.resolve("down.bin.part");
        int cuts = 3 + random.nextInt(4);
        List<Attempt<Long>> attempts = new ArrayList<>();
        for (int i = 0; i <= cuts; i++) {
            long before = lengthOf(partial);
            // Fewer bytes than the data still missing: the server's handshake, prompt and chunk
            // headers come on top, so the cut always lands before the final status.
            Cut cut = i < cuts ? Cut.serverToClient(1 + random.nextLong(content.length - before), randomClose())
                    : Cut.NONE;
            StartSeen start = new StartSeen();
            Attempt<Long> attempt = throughProxy(cut, c -> c.resumeGet("down.bin", partial, start));
            attempts.add(attempt);
            String trace = why() + ": " + attempts;
            long after = lengthOf(partial);
            if (start.start >= 0) {
                assertEquals(before, start.start, trace + ": the GET did not start at the partial's end");
            }
            assertTrue(after >= before, trace + ": the partial shrank from " + before + " to " + after);
            assertArrayEquals(Arrays.copyOf(content, (int) after), after == 0 ? new byte[0] : Files.readAllBytes(partial),
                    trace + ": the partial is not a prefix of the file");
            if (i < cuts) {
                assertInstanceOf(ConnectionLostException.class, attempt.failure(), trace);
                assertEquals(new Relayed(attempt.relayed().clientToServer(), cut.afterBytes(), true), attempt.relayed(),
                        trace);
            } else {
                assertEquals(null, attempt.failure(), trace);
                assertEquals(content.length, attempt.value(), trace);
            }
        }
        assertArrayEquals(content, Files.readAllBytes(partial), why());
        assertEquals(List.of("down.bin.part"), names(local), why());
    }

    @Test
    void aLegacyPutCutMidwayLeavesTheOldFileAndNoTemporaryFile() throws Exception {
        Files.writeString(serverRoot.resolve("keep.bin"), "the old content");
        byte[] content = new byte[1_000_000];
        random.nextBytes(content);
        Path source = Files.write(local.resolve("new.bin"), content);
        // Half the file: well past the record, so the server has begun the PUT (data follows its WB).
        Cut cut = Cut.clientToServer(content.length / 2, randomClose());
        Attempt<Long> attempt = throughProxy(cut, c -> c.put(source, "keep.bin", TransferProgress.NONE));
        String trace = why() + ": " + attempt;
        assertInstanceOf(ConnectionLostException.class, attempt.failure(), trace);
        assertTrue(attempt.relayed().cut(), trace);
        assertTrue(putsAborted.tryAcquire(10, TimeUnit.SECONDS), trace + ": the server never ended the PUT");
        assertEquals("the old content", Files.readString(serverRoot.resolve("keep.bin")), trace);
        assertEquals(List.of("keep.bin"), names(serverRoot), trace);
    }

    @Test
    void aCutBeforeTheWebSocketHandshakeEndsFailsTheConnectWithConnectionLost() throws Exception {
        CompletableFuture<Relayed> relayed = proxy.nextConnection(Cut.serverToClient(10, CuttingProxy.Close.FIN));
        CompletionException e = assertThrows(CompletionException.class,
                () -> client.connect("127.0.0.1", proxy.port(), PASSWORD).join());
        assertInstanceOf(ConnectionLostException.class, e.getCause());
        assertEquals(10, relayed.get(10, TimeUnit.SECONDS).serverToClient());
        assertTrue(relayed.get().cut());
    }

    /** A partial's length; 0 before the first GET got far enough to create it. */
    private static long lengthOf(Path partial) throws IOException {
        return Files.exists(partial) ? Files.size(partial) : 0;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
