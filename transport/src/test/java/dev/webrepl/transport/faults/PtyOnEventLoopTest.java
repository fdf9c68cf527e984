package dev.webrepl.transport.faults;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.EngineRecorder;
import dev.webrepl.core.engine.IoLoop;
import dev.webrepl.core.engine.Pausable;
import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.engine.TerminalSize;
import dev.webrepl.core.users.User;
import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.process.ProcessEngine;
import dev.webrepl.engines.process.ProcessEngineConfig;
import dev.webrepl.transport.conformance.RawWebSocket;
import io.netty.channel.epoll.Epoll;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

/**
 * Issue #19: a process session's pty is served on the Netty event loop of the connection that opened
 * it (EngineContext#ioLoop), so a keystroke's echo is read and sent on one thread. The output still
 * reaches every terminal in order (one on another connection, likely another loop), flow control still
 * pauses the program behind a terminal that reads nothing and loses no byte, and close reaps the child.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PtyOnEventLoopTest extends FaultsTestBase {
    /** What the engine's output saw: every write's bytes, and the writes made off the session's I/O loop. */
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final List<String> offLoop = new CopyOnWriteArrayList<>();
    private final List<ProcessEngine> made = new CopyOnWriteArrayList<>();

    @BeforeEach
    void needsEpoll() {
        Assumptions.assumeTrue(Epoll.isAvailable(), "needs Netty's native epoll transport");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
    }

    @Test
    void theEchoIsReadAndSentOnTheEventLoopOfTheConnectionThatOpenedTheSessionAndEveryTerminalGetsIt() throws Exception {
        start(List.of("/bin/cat"));
        RawWebSocket a = loggedIn();
        a.send(frame(0x81, ascii("ab\r")));
        // The tty echoes the line, then cat writes it back.
        a.expectText("ab\r\nab\r\n");

        RawWebSocket b = loggedIn("/session/" + a.sessionId());
        b.expectText("ab\r\nab\r\n"); // the scrollback
        b.send(frame(0x81, ascii("cd\r")));
        a.expectText("cd\r\ncd\r\n");
        b.expectText("cd\r\ncd\r\n");
        a.send(frame(0x81, ascii("e")), frame(0x81, ascii("f")), frame(0x81, ascii("\r")));
        a.expectText("ef\r\nef\r\n");
        b.expectText("ef\r\nef\r\n");

        synchronized (written) {
            assertEquals("ab\r\nab\r\ncd\r\ncd\r\nef\r\nef\r\n", written.toString(StandardCharsets.ISO_8859_1));
        }
        assertEquals(List.of(), offLoop, "output written off the opening connection's event loop");
    }

    @Test
    void aTerminalThatReadsNothingPausesTheProgramAndThenGetsEveryByteInOrder() throws Exception {
        // 3,000,000 lines (24,888,897 bytes with the tty's CR LF): more than the kernel's socket buffers
        // hold, so the backlog passes the high-water mark and the program is paused.
        int lines = 3_000_000;
        start(List.of("/bin/sh", "-c", "read x; seq 1 " + lines));
        RawWebSocket client = track(RawWebSocket.connect(server.port(), 4096)).login(PASSWORD);
        Session session = server.sessions().sessions().iterator().next();
        client.send(frame(0x81, ascii("\r")));

        await("the program paused behind the unread output", session::producerPaused);

        StringBuilder text = new StringBuilder("\r\n");
        for (int i = 1; i <= lines; i++) {
            text.append(i).append("\r\n");
        }
        text.append("\r\nsession ended: engine exited with status 0\r\n");
        byte[] want = text.toString().getBytes(StandardCharsets.US_ASCII);
        int at = 0;
        RawWebSocket.Frame f;
        while ((f = client.readFrame()).opcode() != 8) {
            assertEquals(1, f.opcode(), "expected text, got " + f);
            byte[] p = f.payload();
            assertTrue(at + p.length <= want.length, "more output than expected, at byte " + at);
            int differs = Arrays.mismatch(p, 0, p.length, want, at, at + p.length);
            assertEquals(-1, differs, "output differs from byte " + (at + differs));
            at += p.length;
        }
        assertEquals(want.length, at, "bytes of output");
        assertEquals(1000, ((f.payload()[0] & 0xFF) << 8) | (f.payload()[1] & 0xFF), "close code");
        assertEquals(List.of(), offLoop, "output written off the opening connection's event loop");
    }

    @Test
    void theLastTerminalLeavingEndsTheSessionAndReapsTheChild() throws Exception {
        start(List.of("/bin/cat"));
        RawWebSocket a = loggedIn();
        a.send(frame(0x81, ascii("x\r")));
        a.expectText("x\r\nx\r\n");
        long pid = made.get(0).pid();
        Path proc = Path.of("/proc", Long.toString(pid));
        assertTrue(Files.exists(proc), "cat runs");

        a.close();

        await("the session ended", () -> server.sessions().size() == 0);
        // A child that exited and was not reaped (a zombie) still has its /proc entry.
        await("cat reaped", () -> !Files.exists(proc));
        assertEquals(List.of("detached"), ends);
    }

    /** Restarts the server with sessions of {@code command}, no linger; records what their output sees. */
    private void start(List<String> command) throws java.io.IOException {
        ProcessEngineConfig config = new ProcessEngineConfig(command, Map.of("PATH", "/usr/bin:/bin"), root, 80, 24,
                Duration.ofSeconds(1));
        Supplier<ReplEngine> engines = () -> {
            ProcessEngine e = new ProcessEngine(config);
            made.add(e);
            return new Recorded(e);
        };
        restart(SessionConfig.DEFAULTS.withLinger(Duration.ZERO).withIdleTimeout(Duration.ZERO), engines);
    }

    /** The engine, with a context whose output records each write and whether it came on the session's I/O loop. */
    private final class Recorded implements ReplEngine {
        private final ProcessEngine engine;

        Recorded(ProcessEngine engine) {
            this.engine = engine;
        }

        @Override
        public String kind() {
            return engine.kind();
        }

        @Override
        public boolean reportsReady() {
            return engine.reportsReady();
        }

        @Override
        public void start(EngineContext context) throws Exception {
            engine.start(new Watched(context));
        }

        @Override
        public void interrupt() {
            engine.interrupt();
        }

        @Override
        public void resize(int columns, int rows) {
            engine.resize(columns, rows);
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    private final class Watched implements EngineContext {
        private final EngineContext context;
        private final EngineOutput output;

        Watched(EngineContext context) {
            this.context = context;
            EngineOutput real = context.output();
            this.output = new EngineOutput() {
                @Override
                public void write(byte[] bytes) {
                    see(bytes);
                    real.write(bytes);
                }

                @Override
                public WriteResult tryWrite(byte[] bytes) {
                    WriteResult r = real.tryWrite(bytes);
                    if (r == WriteResult.WRITTEN) {
                        see(bytes);
                    }
                    return r;
                }

                @Override
                public void writeBlocking(byte[] bytes) throws InterruptedException {
                    see(bytes);
                    real.writeBlocking(bytes);
                }
            };
        }

        private void see(byte[] bytes) {
            IoLoop io = context.ioLoop();
            if (io == null || !io.inLoop()) {
                offLoop.add(Thread.currentThread().getName());
            }
            synchronized (written) {
                written.writeBytes(bytes);
            }
        }

        @Override
        public String sessionId() {
            return context.sessionId();
        }

        @Override
        public Path workingDirectory() {
            return context.workingDirectory();
        }

        @Override
        public User user() {
            return context.user();
        }

        @Override
        public TerminalSize terminalSize() {
            return context.terminalSize();
        }

        @Override
        public EngineRecorder recorder() {
            return context.recorder();
        }

        @Override
        public Flux<byte[]> input() {
            return context.input();
        }

        @Override
        public EngineOutput output() {
            return output;
        }

        @Override
        public IoLoop ioLoop() {
            return context.ioLoop();
        }

        @Override
        public void pausable(Pausable producer) {
            context.pausable(producer);
        }

        @Override
        public void ready() {
            context.ready();
        }

        @Override
        public void exited(int status) {
            context.exited(status);
        }

        @Override
        public void failed(Throwable error) {
            context.failed(error);
        }

        @Override
        public void limitReached(String reason) {
            context.limitReached(reason);
        }
    }
}
