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
}
