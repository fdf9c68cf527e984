package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.FileProtocol.OK;
import static dev.webrepl.transport.conformance.FileProtocol.status;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.webrepl.transport.server.ServerOptions;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 point 6: file operations that block in the kernel (a GET of a FIFO blocks in open() until
 * a writer comes) hold up only their own connection and address. Another client, from another
 * address, still logs in, GETs and RENAMEs at once.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StuckFileOperationsTest extends ServerTestBase {
    /** More stuck GETs than the old shared pool had threads (max(4, 4 per core)). */
    private static final int STUCK = 4 * Runtime.getRuntime().availableProcessors() + 4;
    private final List<Path> fifos = new ArrayList<>();

    @Override
    protected ServerOptions configure(ServerOptions options) {
        return options.withSecurity(options.security().withMaxConnectionsPerAddress(STUCK + 10));
    }

    @Test
    void getsStuckOnFifosHoldUpNeitherTheLoginNorTheFileOperationsOfAnotherAddress() throws Exception {
        Files.writeString(root.resolve("notes.txt"), "still here");
        for (int i = 0; i < STUCK; i++) {
            Path fifo = root.resolve("fifo" + i);
            mkfifo(fifo);
            fifos.add(fifo);
        }
        List<RawWebSocket> stuck = new ArrayList<>();
        for (int i = 0; i < STUCK; i++) {
            stuck.add(loggedIn());
        }
        for (int i = 0; i < STUCK; i++) {
            stuck.get(i).send(FileProtocol.getFrame("fifo" + i));
        }
        await("8 or more GETs are stuck in open()", () -> threadsInFileOpen() >= 8);

        RawWebSocket other = track(RawWebSocket.connectFrom(server.port(), "127.0.0.2")).login(PASSWORD);
        other.send(FileProtocol.getFrame("notes.txt"));
        other.expectBinary(OK);
        assertArrayEquals("still here".getBytes(StandardCharsets.UTF_8), FileProtocol.readChunks(other));
        other.send(frame(0x82, FileProtocol.rename("notes.txt", "moved.txt")));
        other.expectBinary(status(0));
        assertEquals("still here", Files.readString(root.resolve("moved.txt")));
        assertFalse(Files.exists(root.resolve("notes.txt")));
    }

    /** Threads of this JVM blocked opening a file for the server's file store. */
    private static long threadsInFileOpen() {
        return Thread.getAllStackTraces().values().stream()
                .filter(stack -> Arrays.stream(stack).anyMatch(f -> f.getClassName().startsWith("dev.webrepl.core.files.")))
                .filter(stack -> stack.length > 0 && stack[0].isNativeMethod() && stack[0].getMethodName().startsWith("open"))
                .count();
    }

    /**
     * Releases the GETs: opening a FIFO for writing lets its reader's open() return, and closing it is
     * the end of the file. Each opener waits for its reader, which may first wait for a turn.
     */
    @AfterEach
    void unblockFifos() throws Exception {
        List<Thread> writers = new ArrayList<>();
        for (Path fifo : fifos) {
            Thread t = new Thread(() -> {
                try {
                    new FileOutputStream(fifo.toFile()).close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "unblock-" + fifo.getFileName());
            t.setDaemon(true);
            t.start();
            writers.add(t);
        }
        for (Thread t : writers) {
            t.join(10_000);
        }
    }

    private static void mkfifo(Path path) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkfifo")), "needs mkfifo");
        Process p = new ProcessBuilder("/usr/bin/mkfifo", path.toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "mkfifo " + path);
    }
}
