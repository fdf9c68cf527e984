package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(60)
class ClientCommandsTest extends CliTestBase {
    private int run(String... args) {
        return cli().execute(args);
    }

    @Test
    void putThenGetRoundTripsTheFileAndPrintsSummaryLines() throws IOException {
        byte[] content = new byte[200_000];
        new Random(1).nextBytes(content);
        Path source = Files.write(local.resolve("data.bin"), content);
        Path copy = local.resolve("copy.bin");

        assertEquals(0, run("put", source.toString(), at("/data.bin"), "-p", "secret"), err::toString);
        assertArrayEquals(content, Files.readAllBytes(serverRoot.resolve("data.bin")));
        assertTrue(out.toString().startsWith("put " + source + " -> " + at("/data.bin") + ": 200000 bytes in "),
                out::toString);

        assertEquals(0, run("get", at("/data.bin"), copy.toString(), "-p", "secret"), err::toString);
        assertArrayEquals(content, Files.readAllBytes(copy));
        assertEquals("", err.toString());
    }

    @Test
    void legacyPutThenGetRoundTripsTheFile() throws IOException {
        byte[] content = new byte[3000];
        new Random(2).nextBytes(content);
        Path source = Files.write(local.resolve("small.bin"), content);
        Path copy = local.resolve("small-copy.bin");
        assertEquals(0, run("put", "--legacy", source.toString(), at("/small.bin"), "-p", "secret"), err::toString);
        assertEquals(0, run("get", "--legacy", at("/small.bin"), copy.toString(), "-p", "secret"), err::toString);
        assertArrayEquals(content, Files.readAllBytes(copy));
    }

    @Test
    void wrongPasswordExitsNonZeroWithAccessDenied() throws IOException {
        Path source = Files.writeString(local.resolve("a.txt"), "a");
        int status = run("put", source.toString(), at("/a.txt"), "-p", "nope");
        assertEquals(CliFailure.ACCESS_DENIED, status);
        assertTrue(err.toString().contains("access denied"), err::toString);
        assertFalse(Files.exists(serverRoot.resolve("a.txt")));
    }

    @Test
    void getOfMissingRemoteFileNamesTheStatusAndLeavesNoLocalFile() {
        Path target = local.resolve("x.txt");
        int status = run("get", at("/missing.txt"), target.toString(), "-p", "secret");
        assertEquals(CliFailure.REMOTE_FILE, status);
        assertEquals("webrepl: get /missing.txt: no such file or directory (code 2)" + System.lineSeparator(),
                err.toString());
        assertFalse(Files.exists(target));
    }

    @Test
    void putOfMissingLocalFileExitsNonZero() {
        int status = run("put", local.resolve("none").toString(), at("/none"), "-p", "secret");
        assertEquals(CliFailure.LOCAL_FILE, status);
        assertTrue(err.toString().contains("local file not found"), err::toString);
    }

    @Test
    void connectionRefusedExitsNonZero() {
        int port = server.port();
        server.close();
        int status = run("ver", "127.0.0.1:" + port, "-p", "secret");
        assertEquals(CliFailure.CONNECTION, status);
        assertTrue(err.toString().contains("connection refused"), err::toString);
    }

    @Test
    void verPrintsTheServerVersion() {
        assertEquals(0, run("ver", "127.0.0.1:" + server.port(), "-p", "secret"), err::toString);
        assertEquals("0.1.0" + System.lineSeparator(), out.toString());
    }

    @Test
    void malformedTargetIsAUsageError() {
        assertNotEquals(0, run("get", "127.0.0.1", "x", "-p", "secret"));
        assertTrue(err.toString().contains("HOST[:PORT]:/REMOTE"), err::toString);
    }

    @Test
    void helpListsTheFileCommands() {
        assertEquals(0, run("--help"));
        for (String command : new String[] {"put", "get", "ls", "rm", "mkdir", "mv"}) {
            assertTrue(out.toString().contains(System.lineSeparator() + "  " + command + " "), command);
        }
    }

    @Test
    void rmRefusesTheRootBeforeConnecting() {
        int port = server.port();
        server.close();  // nothing may be sent: a refusal would otherwise read "connection refused"
        assertEquals(CliFailure.USAGE, run("rm", "-r", "127.0.0.1:" + port + ":/", "-p", "secret"));
        assertEquals("webrepl: refusing to remove the root of 127.0.0.1:" + port + System.lineSeparator(),
                err.toString());
    }

    @Test
    void mvToAnotherServerIsAUsageError() {
        assertEquals(CliFailure.USAGE, run("mv", at("/a"), "example.org:8266:/b", "-p", "secret"));
        assertTrue(err.toString().contains("mv works on one server"), err::toString);
    }

    @Test
    void putRecursiveOfAFileIsALocalFileError() throws IOException {
        Path file = Files.writeString(local.resolve("f.txt"), "f");
        assertEquals(CliFailure.LOCAL_FILE, run("put", "-r", file.toString(), at("/d"), "-p", "secret"));
        assertEquals("webrepl: not a directory: " + file + System.lineSeparator(), err.toString());
    }

    /**
     * Issue 17 item 12: after Ctrl-] the cursor is left at the start of a line. Output that ended mid-line
     * (the echo engine's prompt) gets "\r\n"; stdin gives Ctrl-] only once that prompt has been printed.
     */
    @Test
    void replSendsStdinAndStopsAtCtrlBracket() throws Exception {
        CommandLine cmd = cli();
        ReplCommand repl = cmd.getSubcommands().get("repl").getCommand();
        WatchedOutput stdout = new WatchedOutput();
        repl.stdin = new GatedInput(stdout, SESSION_LINE_AT_END, "1+1\r", "\r\n1\\+1\r\n1\\+1\r\n>>> $", "\u001d");
        repl.stdout = stdout;
        assertEquals(0, cmd.execute("repl", "127.0.0.1:" + server.port(), "-p", "secret"), err::toString);
        String id = sessionId(stdout.text());
        assertEquals("\r\nWebREPL connected\r\n>>> \r\nwebrepl: session /session/" + id + "\r\n1+1\r\n1+1\r\n>>> \r\n",
                stdout.text());
        assertEquals("Connected to 127.0.0.1:" + server.port() + ". Ctrl-] exits.\n", err.toString());
    }

    /** Issue 17 item 12: output that already ended at column 0 (the session line) gets no extra "\r\n". */
    @Test
    void replAddsNoNewLineWhenTheOutputEndedAtTheStartOfALine() throws Exception {
        CommandLine cmd = cli();
        ReplCommand repl = cmd.getSubcommands().get("repl").getCommand();
        WatchedOutput stdout = new WatchedOutput();
        repl.stdin = new GatedInput(stdout, SESSION_LINE_AT_END, "\u001d");
        repl.stdout = stdout;
        assertEquals(0, cmd.execute("repl", "127.0.0.1:" + server.port(), "-p", "secret"), err::toString);
        String id = sessionId(stdout.text());
        assertEquals("\r\nWebREPL connected\r\n>>> \r\nwebrepl: session /session/" + id + "\r\n", stdout.text());
        assertEquals("Connected to 127.0.0.1:" + server.port() + ". Ctrl-] exits.\n", err.toString());
    }

    /** The echo engine's first screen ends with the session line (it prints no prompt at start). */
    private static final String SESSION_LINE_AT_END = "\r\nwebrepl: session /session/[A-Za-z0-9_-]{22}\r\n$";

    private static String sessionId(String printed) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\r\nwebrepl: session /session/([A-Za-z0-9_-]{22})\r\n")
                .matcher(printed);
        assertTrue(m.find(), printed);
        return m.group(1);
    }

    /** Stdout that wakes who waits for what it shows. */
    private static final class WatchedOutput extends java.io.OutputStream {
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
            return bytes.toString(StandardCharsets.US_ASCII);
        }

        /** Waits until everything printed so far matches {@code regex} somewhere (anchor it with $ for "ends with"). */
        synchronized void await(String regex) throws InterruptedException {
            java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
            long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (!p.matcher(text()).find()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("stdout never matched /" + regex + "/: " + text());
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /** Stdin as the user types: each chunk once stdout matches the pattern before it. */
    private static final class GatedInput extends java.io.InputStream {
        private final WatchedOutput stdout;
        private final java.util.Deque<String> steps;
        private byte[] chunk = new byte[0];
        private int at;

        /** {@code steps}: pattern, chunk, pattern, chunk, ...; a chunk after a chunk follows at once. */
        GatedInput(WatchedOutput stdout, String... steps) {
            this.stdout = stdout;
            this.steps = new java.util.ArrayDeque<>(java.util.List.of(steps));
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                while (at == chunk.length) {
                    if (steps.isEmpty()) {
                        return -1;
                    }
                    stdout.await(steps.poll());
                    chunk = steps.poll().getBytes(StandardCharsets.US_ASCII);
                    at = 0;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
            int n = Math.min(len, chunk.length - at);
            System.arraycopy(chunk, at, b, off, n);
            at += n;
            return n;
        }
    }
}
