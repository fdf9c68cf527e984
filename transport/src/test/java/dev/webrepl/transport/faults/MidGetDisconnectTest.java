package dev.webrepl.transport.faults;

import static dev.webrepl.transport.conformance.RawWebSocket.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.transport.conformance.FileProtocol;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that goes away in the middle of a GET (FIN or RST, cut by a {@link CuttingProxy}): the
 * server ends the download as an I/O error, releases the file (no descriptor left open), and keeps
 * serving.
 */
@Timeout(60)
class MidGetDisconnectTest extends FaultsTestBase {
    private static final byte[] ACK = RawWebSocket.frame(0x82, new byte[] {0});

    @ParameterizedTest
    @EnumSource(CuttingProxy.Close.class)
    void downloadCutMidwayIsClosedAndTheFileReleased(CuttingProxy.Close close) throws Exception {
        byte[] data = FileProtocol.pattern(2_000_000);
        Path file = Files.write(root.resolve("down.bin"), data);
        try (CuttingProxy proxy = CuttingProxy.start(server.port())) {
            // Well inside the file: three chunks of at most 65533 bytes are asked for before the cut.
            CompletableFuture<CuttingProxy.Relayed> relayed =
                    proxy.nextConnection(CuttingProxy.Cut.serverToClient(150_000, close));
            RawWebSocket c = RawWebSocket.connect(proxy.port());
            try {
                c.login("/", PASSWORD);
                c.send(FileProtocol.getFrame("down.bin"));
                c.expectBinary(FileProtocol.status(0));
                // Ten acks in one write: the server sends a chunk for each, until the cut.
                c.send(concat(ACK, ACK, ACK, ACK, ACK, ACK, ACK, ACK, ACK, ACK));
                assertTrue(relayed.get(20, TimeUnit.SECONDS).cut(), "the proxy cut the connection");
            } finally {
                c.close();
            }
        }
        await("the server ended the GET", () -> transfers.contains("GET IO_ERROR"));
        assertEquals(List.of("GET IO_ERROR"), transfers);
        await("no descriptor of the server's refers to the file", () -> openDescriptors(file) == 0);
        Files.move(file, root.resolve("moved.bin"));
        assertEquals(List.of("moved.bin"), names(root));
        // The server carries on.
        loggedIn().send(FileProtocol.getFrame("moved.bin"));
    }

    /** How many of this JVM's file descriptors refer to {@code file} (Linux /proc). */
    private static long openDescriptors(Path file) {
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            return 0;
        }
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(real);
                } catch (IOException | UnsupportedOperationException gone) {
                    return false;  // closed while we looked
                }
            }).count();
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
