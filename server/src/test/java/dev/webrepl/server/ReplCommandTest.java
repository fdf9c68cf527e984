package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code webrepl repl} on a running session, as a viewer, and with a terminal's size (issue 17 item 12). */
@Timeout(60)
class ReplCommandTest extends CliTestBase {
    private static final String EXIT = "\u001d";
    private static final Pattern SESSION_LINE = Pattern.compile("\r\nwebrepl: session /session/([A-Za-z0-9_-]{22})\r\n");

    /** The window sizes the sessions' engines were told, as {@code COLSxROWS}. */
    private final BlockingQueue<String> resizes = new LinkedBlockingQueue<>();
    private final WebReplClient client = WebReplClient.newClient();

    @Override
    Supplier<ReplEngine> engines() {
        return () -> new Resizes(EchoEvaluator.engine(), resizes);
    }

    @AfterEach
    void closeClient() {
        client.close();
    }

    /** The session's first terminal, which has typed "a", and what its screen showed then. */
    private record Owner(Screen screen, ReplConnection connection, String id, String before) {
    }

    private Owner ownerWhoTypedA() throws Exception {
        Screen owner = new Screen();
        ReplConnection c = owner(owner);
        String id = owner.await(SESSION_LINE).group(1);
        c.send("a\r").join();
        owner.await("a\r\na\r\n>>> ");
        return new Owner(owner, c, id, owner.text());
    }

    @Test
    void attachesToARunningSessionByHostPortSessionId() throws Exception {
        Owner o = ownerWhoTypedA();
        Screen owner = o.screen();
        ReplConnection c = o.connection();
        String id = o.id();
        String before = o.before();
        Keys keys = new Keys();
        Screen screen = new Screen();
        keys.type("b\r");
        CompletableFuture<Void> quit = CompletableFuture.runAsync(() -> {
            screen.await("b\r\nb\r\n>>> ");
            keys.type(EXIT);
        });
        String session = "127.0.0.1:" + server.port() + "/session/" + id;
        assertEquals(0, repl(keys, screen, session), err::toString);
        quit.join();
        assertEquals("Connected to " + session + ". Ctrl-] exits." + System.lineSeparator(), err.toString());
        // Its own banner and session line, what the session showed before (a), what it typed, and a new line.
        assertEquals(before + "b\r\nb\r\n>>> " + "\r\n", screen.text());
        owner.await("a\r\na\r\n>>> b\r\nb\r\n>>> ");
    }

    @Test
    void aViewerSeesTheSessionButItsKeysAreNotTyped() throws Exception {
        Owner o = ownerWhoTypedA();
        Screen owner = o.screen();
        ReplConnection c = o.connection();
        String id = o.id();
        String before = o.before();
        Keys keys = new Keys();
        Screen screen = new Screen();
        keys.type("c\r");
        CompletableFuture<Void> quit = CompletableFuture.runAsync(() -> {
            keys.awaitRead(2);  // "c\r" has been read (and would have been sent)
            c.send("d\r").join();
            screen.await("d\r\nd\r\n>>> ");
            keys.type(EXIT);
        });
        String session = "ws://127.0.0.1:" + server.port() + "/session/" + id;
        assertEquals(0, repl(keys, screen, "--view", session), err::toString);
        quit.join();
        assertEquals("Connected to 127.0.0.1:" + server.port() + "/session/" + id + " as a viewer. Ctrl-] exits."
                + System.lineSeparator(), err.toString());
        // The owner's terminal shows d right after a: c was never typed (a notice of the viewer leaving may follow).
        // Its copy of the output travels apart from the viewer's: wait for it before looking.
        owner.await("d\r\nd\r\n>>> ");
        assertTrue(owner.text().startsWith(before + "d\r\nd\r\n>>> "), owner::text);
        assertEquals(before + "d\r\nd\r\n>>> " + "\r\n", screen.text());
    }

    @Test
    void anUnknownSessionIsTheServersLineAndAFailure() {
        Keys keys = new Keys();
        Screen screen = new Screen();
        String unknown = "AAAAAAAAAAAAAAAAAAAAAA";
        assertEquals(CliFailure.CONNECTION, repl(keys, screen, "127.0.0.1:" + server.port() + "/session/" + unknown));
        assertEquals("\r\nWebREPL connected\r\n>>> \r\nno such session: " + unknown + "\r\n", screen.text());
        assertEquals("Connected to 127.0.0.1:" + server.port() + "/session/" + unknown + ". Ctrl-] exits."
                + System.lineSeparator() + "webrepl: 127.0.0.1:" + server.port() + "/session/" + unknown
                + ": connection closed by the server (1008 no such session: " + unknown + ")" + System.lineSeparator(),
                err.toString());
    }

    @Test
    void viewNeedsASession() {
        assertEquals(CliFailure.USAGE, repl(new Keys(), new Screen(), "--view", "127.0.0.1:" + server.port()));
        assertEquals("webrepl: --view needs a session: HOST[:PORT]/session/ID" + System.lineSeparator(), err.toString());
    }

    @Test
    void theWindowSizeIsSentAtTheStartAndOnEveryChange() throws Exception {
        Keys keys = new Keys();
        Screen screen = new Screen();
        try (ExternalTerminal terminal = new ExternalTerminal("test", "xterm", keys, OutputStream.nullOutputStream(),
                StandardCharsets.UTF_8)) {
            terminal.setSize(new Size(100, 30));
            CommandLine cmd = cli();
            ReplCommand repl = cmd.getSubcommands().get("repl").getCommand();
            repl.terminal = terminal;
            repl.stdout = screen;
            CompletableFuture<Void> quit = CompletableFuture.runAsync(() -> {
                try {
                    assertEquals("100x30", resizes.take());
                    assertFalse(terminal.getAttributes().getLocalFlag(Attributes.LocalFlag.ECHO), "raw mode");
                    assertFalse(terminal.getAttributes().getLocalFlag(Attributes.LocalFlag.ISIG), "raw mode");
                    terminal.setSize(new Size(132, 43));
                    terminal.raise(Terminal.Signal.WINCH);
                    assertEquals("132x43", resizes.take());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                } finally {
                    keys.type("e\r" + EXIT);
                }
            });
            assertEquals(0, cmd.execute("repl", "127.0.0.1:" + server.port(), "-p", "secret"), err::toString);
            quit.join();
            // The terminal's settings are restored.
            assertTrue(screen.text().startsWith("\r\nWebREPL connected\r\n>>> "), screen::text);
            assertTrue(terminal.getAttributes().getLocalFlag(Attributes.LocalFlag.ECHO));
            assertTrue(terminal.getAttributes().getLocalFlag(Attributes.LocalFlag.ICANON));
            assertTrue(screen.text().endsWith("\n"), screen::text);
        }
        assertEquals(null, resizes.poll());
    }

    private int repl(Keys keys, Screen screen, String... args) {
        CommandLine cmd = cli();
        ReplCommand repl = cmd.getSubcommands().get("repl").getCommand();
        repl.stdin = keys;
        repl.stdout = screen;
        String[] all = new String[args.length + 3];
        all[0] = "repl";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "-p";
        all[args.length + 2] = "secret";
        return cmd.execute(all);
    }

    private ReplConnection owner(Screen screen) {
        ReplConnection c = client.connect("127.0.0.1", server.port(), "secret").join();
        c.output().subscribe(b -> screen.write(b, 0, b.length));
        return c;
    }

    /** Stdout that can be awaited. */
    static final class Screen extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
            notifyAll();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            notifyAll();
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        synchronized void await(String text) {
            while (!text().contains(text)) {
                waitForMore();
            }
        }

        synchronized Matcher await(Pattern pattern) {
            for (Matcher m = pattern.matcher(text()); ; m = pattern.matcher(text())) {
                if (m.find()) {
                    return m;
                }
                waitForMore();
            }
        }

        private void waitForMore() {
            try {
                wait();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Stdin fed by the test, a chunk per read; counts the reads. */
    static final class Keys extends InputStream {
        private final BlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
        private int reads;

        void type(String s) {
            chunks.add(s.getBytes(StandardCharsets.US_ASCII));
        }

        synchronized void awaitRead(int n) {
            while (reads < n) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            synchronized (this) {
                reads++;
                notifyAll();
            }
            byte[] chunk;
            try {
                chunk = chunks.take();
            } catch (InterruptedException e) {
                return -1;
            }
            if (chunk.length > len) {
                throw new IllegalStateException("a chunk longer than the read: " + chunk.length);
            }
            System.arraycopy(chunk, 0, b, off, chunk.length);
            return chunk.length;
        }
    }

    /** The echo engine, noting every resize. */
    static final class Resizes extends ForwardingEngine {
        private final BlockingQueue<String> sizes;

        Resizes(ReplEngine engine, BlockingQueue<String> sizes) {
            super(engine);
            this.sizes = sizes;
        }

        @Override
        public void resize(int columns, int rows) {
            sizes.add(columns + "x" + rows);
        }
    }
}
