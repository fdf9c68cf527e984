package dev.webrepl.transport.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.transport.conformance.ServerTestBase;
import dev.webrepl.transport.server.Version;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(60)
class WebReplClientTest extends ServerTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path local;

    private WebReplClient client;

    @AfterEach
    void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    private ReplConnection connect(WireMode mode) {
        client = WebReplClient.newBuilder().wireMode(mode).build();
        return client.connect("127.0.0.1", server.port(), PASSWORD).join();
    }

    static Stream<Arguments> modesAndSizes() {
        return Stream.of(WireMode.values()).flatMap(m -> Stream.of(0, 1, 3000, 1 << 20)
                .map(size -> Arguments.of(m, size)));
    }

    @ParameterizedTest(name = "{0} {1} bytes")
    @MethodSource("modesAndSizes")
    void putThenGetReturnsTheSameBytes(WireMode mode, int size) throws IOException {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        Path source = Files.write(local.resolve("source.bin"), content);
        Path copy = local.resolve("copy.bin");
        try (ReplConnection c = connect(mode)) {
            assertEquals(size, c.put(source, "dir-less.bin", TransferProgress.NONE).join());
            assertArrayEquals(content, Files.readAllBytes(root.resolve("dir-less.bin")));
            assertEquals(size, c.get("dir-less.bin", copy, TransferProgress.NONE).join());
        }
        assertArrayEquals(content, Files.readAllBytes(copy));
        assertEquals(List.of(copy.getFileName().toString(), source.getFileName().toString()),
                listSorted(local), "no temporary file is left next to the target");
    }

    @ParameterizedTest
    @EnumSource(WireMode.class)
    void versionReturnsTheServersThreeBytes(WireMode mode) {
        try (ReplConnection c = connect(mode)) {
            assertArrayEquals(Version.bytes(), c.version().join());
        }
    }

    @ParameterizedTest
    @EnumSource(WireMode.class)
    void wrongPasswordFailsWithLoginFailedException(WireMode mode) {
        client = WebReplClient.newBuilder().wireMode(mode).build();
        CompletionException e = assertThrows(CompletionException.class,
                () -> client.connect("127.0.0.1", server.port(), "wrong").join());
        assertInstanceOf(LoginFailedException.class, e.getCause());
    }

    @ParameterizedTest
    @EnumSource(WireMode.class)
    void getOfMissingFileFailsWithNotFoundAndConnectionStaysUsable(WireMode mode) throws IOException {
        Files.writeString(root.resolve("there.txt"), "hello");
        Path target = local.resolve("missing.txt");
        try (ReplConnection c = connect(mode)) {
            CompletionException e = assertThrows(CompletionException.class,
                    () -> c.get("missing.txt", target, TransferProgress.NONE).join());
            FileTransferException fte = assertInstanceOf(FileTransferException.class, e.getCause());
            assertEquals(FileStatus.NOT_FOUND, fte.status());
            assertEquals(2, fte.code());
            assertFalse(Files.exists(target));
            assertEquals(List.of(), listSorted(local), "no partial or temporary local file");

            Path there = local.resolve("there.txt");
            assertEquals(5, c.get("there.txt", there, TransferProgress.NONE).join());
            assertEquals("hello", Files.readString(there));
        }
    }

    @Test
    void putOfMissingLocalFileFailsWithoutSendingAndConnectionStaysUsable() {
        try (ReplConnection c = connect(WireMode.STANDARD)) {
            CompletionException e = assertThrows(CompletionException.class,
                    () -> c.put(local.resolve("nope"), "nope", TransferProgress.NONE).join());
            assertInstanceOf(NoSuchFileException.class, e.getCause());
            assertArrayEquals(Version.bytes(), c.version().join());
        }
    }

    @Test
    void putIntoMissingRemoteDirectoryFailsWithNotFound() throws IOException {
        Path source = Files.writeString(local.resolve("a.txt"), "abc");
        try (ReplConnection c = connect(WireMode.STANDARD)) {
            CompletionException e = assertThrows(CompletionException.class,
                    () -> c.put(source, "no/such/dir/a.txt", TransferProgress.NONE).join());
            assertEquals(FileStatus.NOT_FOUND, assertInstanceOf(FileTransferException.class, e.getCause()).status());
            assertEquals(3, c.put(source, "a.txt", TransferProgress.NONE).join());
        }
    }

    @ParameterizedTest
    @EnumSource(WireMode.class)
    void terminalEchoesTypedLineAfterLoginBanner(WireMode mode) {
        try (ReplConnection c = connect(mode)) {
            // The login frame, then the line naming the session (README "Sessions"), then the echo.
            String line = "\r\nwebrepl: session /session/%s\r\n";
            String expected = "\r\nWebREPL connected\r\n>>> " + line + "1+1\r\n1+1\r\n>>> ";
            int idLength = 22;
            CompletableFuture<String> received = collectUntil(c, expected.length() - 2 + idLength);
            c.send("1+1\r").join();
            String got = received.join();
            // The session exists once its line has been sent, so it is known by now.
            assertEquals(String.format(expected, server.sessions().sessions().iterator().next().id()), got);
        }
    }

    @ParameterizedTest
    @EnumSource(WireMode.class)
    void progressReachesTheTotal(WireMode mode) throws IOException {
        byte[] content = new byte[100_000];
        new Random(7).nextBytes(content);
        Path source = Files.write(local.resolve("p.bin"), content);
        List<long[]> putUpdates = new CopyOnWriteArrayList<>();
        List<long[]> getUpdates = new CopyOnWriteArrayList<>();
        try (ReplConnection c = connect(mode)) {
            c.put(source, "p.bin", (done, total) -> putUpdates.add(new long[] {done, total})).join();
            c.get("p.bin", local.resolve("q.bin"), (done, total) -> getUpdates.add(new long[] {done, total})).join();
        }
        assertArrayEquals(new long[] {content.length, content.length}, putUpdates.get(putUpdates.size() - 1));
        assertArrayEquals(new long[] {content.length, content.length}, getUpdates.get(getUpdates.size() - 1));
        assertTrue(putUpdates.size() > 1, "progress is reported per frame");
        for (int i = 1; i < putUpdates.size(); i++) {
            assertTrue(putUpdates.get(i)[0] >= putUpdates.get(i - 1)[0]);
        }
    }

    @Test
    void operationsAfterCloseFailWithConnectionLost() {
        ReplConnection c = connect(WireMode.STANDARD);
        c.close();
        c.onClose().join();
        CompletionException e = assertThrows(CompletionException.class, () -> c.version().join());
        assertInstanceOf(ConnectionLostException.class, e.getCause());
    }

    @Test
    void connectsFromTheGivenLocalAddress() throws Exception {
        client = WebReplClient.newClient();
        java.net.InetAddress source = java.net.InetAddress.getByName("127.0.0.2");
        try (ReplConnection c = client.connectPath("127.0.0.1", server.port(), "/", source).join()) {
            c.login(PASSWORD).join();
            assertEquals(source, c.localAddress().getAddress());
        }
    }

    @Test
    void connectToClosedPortFails() {
        int port = server.port();
        server.close();
        client = WebReplClient.newClient();
        CompletionException e = assertThrows(CompletionException.class,
                () -> client.connect("127.0.0.1", port).join());
        assertInstanceOf(java.net.ConnectException.class, e.getCause());
    }

    private static CompletableFuture<String> collectUntil(ReplConnection c, int length) {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        return c.output()
                .doOnNext(seen::writeBytes)
                .takeUntil(b -> seen.size() >= length)
                .then(reactor.core.publisher.Mono.fromCallable(() -> seen.toString(StandardCharsets.ISO_8859_1)))
                .timeout(WAIT)
                .toFuture();
    }

    private static List<String> listSorted(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
