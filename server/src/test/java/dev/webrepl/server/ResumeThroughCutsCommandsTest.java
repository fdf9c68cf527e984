package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.protocol.ConnectionRecorder;
import dev.webrepl.core.protocol.TransferListener;
import dev.webrepl.transport.faults.CuttingProxy;
import dev.webrepl.transport.faults.CuttingProxy.Cut;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code put --resume} and {@code get --resume} (#6, PROTOCOL.md §6) when the connection is cut
 * mid-transfer by a {@link CuttingProxy}: the command fails saying how to go on, and running it again
 * straight to the server sends only what is missing.
 */
@Timeout(60)
class ResumeThroughCutsCommandsTest extends CliTestBase {
    private static final String NL = System.lineSeparator();

    /** Every PUT and GET the server ended, in order: the signal that a cut upload's partial is released. */
    private final BlockingQueue<Ended> ended = new LinkedBlockingQueue<>();
    private CuttingProxy proxy;

    private record Ended(TransferListener.Kind kind, long bytes, FileStatus status) {
    }

    @Override
    ServerOptions configure(ServerOptions options) {
        return options.withRecorder(new ConnectionRecorder() {
            @Override
            public void transferEnded(TransferListener.Kind kind, String detail, long bytes, FileStatus status,
                                      Duration took) {
                if (kind == TransferListener.Kind.PUT || kind == TransferListener.Kind.GET) {
                    ended.add(new Ended(kind, bytes, status));
                }
            }
        });
    }

    @BeforeEach
    void startProxy() throws IOException {
        proxy = CuttingProxy.start(server.port());
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return cli().execute(CapturedCli.withPassword("secret", args));
    }

    private String throughProxy(String path) {
        return "127.0.0.1:" + proxy.port() + ":" + path;
    }

    private Ended nextEnded() throws InterruptedException {
        Ended e = ended.poll(10, TimeUnit.SECONDS);
        assertTrue(e != null, "the server ended no transfer");
        return e;
    }

    @Test
    void putResumeCutMidwayFailsWithAHintAndASecondPutResumeSendsOnlyTheRest() throws Exception {
        byte[] content = new byte[2_000_000];
        new Random(11).nextBytes(content);
        Path source = Files.write(local.resolve("big.bin"), content);
        // An orderly close after half the file: the server writes every whole frame that arrived.
        var relayed = proxy.nextConnection(Cut.clientToServer(content.length / 2, CuttingProxy.Close.FIN));

        assertEquals(CliFailure.CONNECTION, run("put", "--resume", source.toString(), throughProxy("/big.bin")));
        assertEquals("webrepl: " + throughProxy("/big.bin") + ": connection lost; the server keeps what arrived: "
                + "run put --resume again to send the rest" + NL, err.toString());
        assertTrue(relayed.get(10, TimeUnit.SECONDS).cut());
        Ended aborted = nextEnded();
        assertEquals(new Ended(TransferListener.Kind.PUT, aborted.bytes(), FileStatus.IO_ERROR), aborted);
        assertFalse(Files.exists(serverRoot.resolve("big.bin")));
        List<Path> partials = files(serverRoot.resolve(".webrepl/partial"));
        assertEquals(1, partials.size(), partials::toString);
        long kept = Files.size(partials.get(0));
        assertEquals(aborted.bytes(), kept);
        assertTrue(kept > 0 && kept < content.length, "kept " + kept);

        assertEquals(0, run("put", "--resume", source.toString(), at("/big.bin")), err::toString);
        assertArrayEquals(content, Files.readAllBytes(serverRoot.resolve("big.bin")));
        assertEquals(new Ended(TransferListener.Kind.PUT, content.length - kept, FileStatus.OK), nextEnded());
        assertEquals(List.of(), files(serverRoot.resolve(".webrepl/partial")));
        assertTrue(out.toString().startsWith("put " + source + " -> " + at("/big.bin") + ": " + content.length
                + " bytes in "), out::toString);
        assertEquals("", err.toString());
    }

    @Test
    void getResumeCutMidwayKeepsThePartialWithAHintAndASecondGetResumeFetchesOnlyTheRest() throws Exception {
        byte[] content = new byte[2_000_000];
        new Random(12).nextBytes(content);
        Files.write(serverRoot.resolve("g.bin"), content);
        Path target = local.resolve("g.bin");
        Path partial = local.resolve("g.bin.part");
        var relayed = proxy.nextConnection(Cut.serverToClient(content.length / 2, CuttingProxy.Close.RST));

        assertEquals(CliFailure.CONNECTION, run("get", "--resume", throughProxy("/g.bin"), target.toString()));
        assertTrue(relayed.get(10, TimeUnit.SECONDS).cut());
        long kept = Files.size(partial);
        assertTrue(kept > 0 && kept < content.length, "kept " + kept);
        assertArrayEquals(Arrays.copyOf(content, (int) kept), Files.readAllBytes(partial));
        assertEquals("webrepl: " + throughProxy("/g.bin") + ": connection lost; " + kept + " bytes kept in " + partial
                + ": run get --resume again to fetch the rest" + NL, err.toString());
        assertEquals(List.of(partial), files(local));
        assertEquals(TransferListener.Kind.GET, nextEnded().kind());

        assertEquals(0, run("get", "--resume", at("/g.bin"), target.toString()), err::toString);
        assertArrayEquals(content, Files.readAllBytes(target));
        assertEquals(List.of(target), files(local));
        assertEquals(new Ended(TransferListener.Kind.GET, content.length - kept, FileStatus.OK), nextEnded());
        assertEquals("", err.toString());
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
