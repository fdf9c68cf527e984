package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
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

    @Test
    void replSendsStdinAndStopsAtCtrlBracket() {
        CommandLine cmd = cli();
        ReplCommand repl = cmd.getSubcommands().get("repl").getCommand();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        // Stdin stops at Ctrl-] so the session ends; the echo of 1+1 may or may not be printed by then.
        repl.stdin = new ByteArrayInputStream("1+1\r\u001d".getBytes(StandardCharsets.US_ASCII));
        repl.stdout = stdout;
        assertEquals(0, cmd.execute("repl", "127.0.0.1:" + server.port(), "-p", "secret"), err::toString);
        String printed = stdout.toString(StandardCharsets.US_ASCII);
        // After exit the cursor is at the start of a line: "\r\n" follows unless the output ended with '\n'.
        assertTrue(printed.endsWith("\r\n"), printed);
        String unended = printed.substring(0, printed.length() - 2);
        assertTrue(sessionPrefix(printed) || !unended.endsWith("\n") && sessionPrefix(unended), printed);
    }

    /** Whether {@code got} is what a new echo session shows for "1+1\r", up to some point. */
    private static boolean sessionPrefix(String got) {
        String banner = "\r\nWebREPL connected\r\n>>> ";
        if (!got.startsWith(banner)) {
            return false;
        }
        // What arrived before Ctrl-] is a prefix of: the banner, the session line (README "Sessions"),
        // the echo. The session id is read from the line itself when it arrived whole.
        java.util.regex.Matcher line = java.util.regex.Pattern
                .compile("\r\nwebrepl: session /session/([A-Za-z0-9_-]{22})\r\n").matcher(got);
        String id = line.find() ? line.group(1) : "";
        String full = banner + "\r\nwebrepl: session /session/" + id + "\r\n" + "1+1\r\n1+1\r\n>>> ";
        return id.isEmpty() ? got.length() < banner.length() + 52 && full.startsWith(got.substring(0,
                Math.min(got.length(), banner.length() + 28))) : full.startsWith(got);
    }
}
