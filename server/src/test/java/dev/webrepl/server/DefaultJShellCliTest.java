package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.client.WireMode;
import dev.webrepl.transport.server.WebReplServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 4's "done when": the default {@code webrepl serve} is a working JShell REPL for the official
 * CLI. The client talks exactly like webrepl_cli.py (legacy wire mode) and, like its REPL mode, sends
 * every keystroke as its own text frame.
 */
class DefaultJShellCliTest {
    @TempDir
    Path dir;

    /** What the screen shows in one session; the session's id. */
    private record Screen(String text, String sessionId) {
    }

    /**
     * Starts the default {@code webrepl serve}, connects as the CLI does, types {@code keys} one frame
     * each, and returns the output up to the first time it contains {@code until}.
     */
    private Screen session(String keys, String until) throws Exception {
        ServeCommand cmd = new ServeCommand();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.parseArgs("--port", "0", "--admin-port", "0", "--root", dir.toString(), "--password", "secret");
        try (MonitoredServer server = cmd.start();
             WebReplClient client = WebReplClient.newBuilder().wireMode(WireMode.LEGACY).build();
             ReplConnection c = client.connect("127.0.0.1", server.server().port(), "secret").get(30, TimeUnit.SECONDS)) {
            StringBuilder seen = new StringBuilder();
            CompletableFuture<String> screen = new CompletableFuture<>();
            c.output().subscribe(b -> {
                synchronized (seen) {
                    seen.append(new String(b, StandardCharsets.UTF_8));
                    if (seen.indexOf(until) >= 0) {
                        screen.complete(seen.toString());
                    }
                }
            });
            for (byte key : keys.getBytes(StandardCharsets.US_ASCII)) {
                c.send(new byte[] {key}).get(30, TimeUnit.SECONDS);
            }
            String text = screen.get(60, TimeUnit.SECONDS);
            return new Screen(text, server.server().sessions().sessions().iterator().next().id());
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void aLegacyCliTypingKeyByKeyGets42FromTheDefaultJShellEngine() throws Exception {
        Screen s = session("int x = 20 + 22\rx\r", "jshell> x\r\nx ==> 42\r\njshell> ");
        assertTrue(s.text().indexOf("int x = 20 + 22\r\nx ==> 42\r\njshell> ") >= 0, s.text());
    }

    /** Issue 16 point 7: the reference's login bytes, the session line on a line of its own, then jshell's prompt, untyped. */
    @Test
    void theFirstScreenIsTheLoginTheSessionLineAndJShellsPromptBeforeAnyInput() throws Exception {
        Screen s = session("", "jshell> ");
        assertEquals("\r\nWebREPL connected\r\n>>> \r\nwebrepl: session /session/" + s.sessionId() + "\r\njshell> ",
                s.text());
    }

    /**
     * Issue 17 item 6: jshell's own commands typed through a served session (LOCAL execution for speed):
     * {@code /help} and {@code /list} answer on the terminal, {@code /save} writes the file root, and
     * {@code /open} in a new session defines the snippets again.
     */
    @Test
    void helpListSaveAndOpenWorkThroughAServedSession() throws Exception {
        Path root = dir.resolve("root");
        ServeCommand cmd = new ServeCommand();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.parseArgs("--port", "0", "--admin-port", "0", "--root", root.toString(), "--password", "secret",
                "--jshell-execution", "LOCAL");
        try (MonitoredServer server = cmd.start();
             WebReplClient client = WebReplClient.newBuilder().build()) {
            int port = server.server().port();
            try (ReplConnection c = client.connect("127.0.0.1", port, "secret").get(30, TimeUnit.SECONDS)) {
                Typist t = new Typist(c);
                t.await("jshell> ");
                assertEquals("int x = 20 + 22\r\nx ==> 42\r\njshell> ", t.type("int x = 20 + 22\r"));
                assertEquals("int twice(int a) { return 2 * a; }\r\n|  created method twice(int)\r\njshell> ",
                        t.type("int twice(int a) { return 2 * a; }\r"));

                assertEquals(String.join("\r\n",
                        "/help",
                        "|  Type Java (expressions, statements, declarations) or one of these commands:",
                        "|  /list [-all|-start|ID|NAME]  the snippets typed or opened (-all: every one, -start: the start-up)",
                        "|  /vars                        the variables and their values",
                        "|  /methods                     the methods",
                        "|  /types                       the classes, interfaces, enums and records",
                        "|  /imports                     the imports",
                        "|  /drop ID|NAME ...            removes a variable, method, type or import",
                        "|  /save [-all|-start] FILE     writes the snippets to FILE in the session's file root",
                        "|  /open FILE                   runs FILE from the session's file root as if typed",
                        "|  /reset                       forgets every snippet",
                        "|  /exit                        ends the session",
                        "|  /help                        this list",
                        "jshell> "), t.type("/help\r"));

                assertEquals("/list\r\n\r\n   1 : int x = 20 + 22;\r\n   2 : int twice(int a) { return 2 * a; }\r\njshell> ",
                        t.type("/list\r"));
                assertEquals("/save x.jsh\r\njshell> ", t.type("/save x.jsh\r"));
            }
            assertEquals("int x = 20 + 22;\nint twice(int a) { return 2 * a; }\n", Files.readString(root.resolve("x.jsh")));

            // A new session knows neither until it opens the file.
            try (ReplConnection c = client.connect("127.0.0.1", port, "secret").get(30, TimeUnit.SECONDS)) {
                Typist t = new Typist(c);
                t.await("jshell> ");
                assertEquals("/list\r\njshell> ", t.type("/list\r"));
                assertEquals("/open x.jsh\r\nx ==> 42\r\n|  created method twice(int)\r\njshell> ", t.type("/open x.jsh\r"));
                assertEquals("twice(x)\r\n$3 ==> 84\r\njshell> ", t.type("twice(x)\r"));
                assertEquals("/list\r\n\r\n   1 : int x = 20 + 22;\r\n   2 : int twice(int a) { return 2 * a; }\r\n"
                        + "   3 : twice(x)\r\njshell> ", t.type("/list\r"));
            }
            assertEquals(2, server.server().sessions().sessions().size());
        } finally {
            cmd.closeEngines();
        }
    }

    /** Types a line as one frame and returns the output it brings, up to and including the next prompt. */
    static final class Typist {
        private final ReplConnection c;
        private final StringBuilder seen = new StringBuilder();
        private int read;

        Typist(ReplConnection c) {
            this.c = c;
            c.output().subscribe(b -> {
                synchronized (seen) {
                    seen.append(new String(b, StandardCharsets.UTF_8));
                    seen.notifyAll();
                }
            });
        }

        String type(String line) throws Exception {
            c.send(line.getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
            return await("jshell> ");
        }

        /** The output after what was read before, up to the first {@code until} in it. */
        String await(String until) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            synchronized (seen) {
                int at;
                while ((at = seen.indexOf(until, read)) < 0) {
                    long left = end - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError("no " + until + " after " + seen.substring(read));
                    }
                    TimeUnit.NANOSECONDS.timedWait(seen, left);
                }
                String text = seen.substring(read, at + until.length());
                read = at + until.length();
                return text;
            }
        }
    }
}
