package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.transport.client.LoginFailedException;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code webrepl serve --users} as a child process (README "Users"): SIGHUP re-reads the users file
 * at once, even a change the poll cannot see, and the poll picks up a change by itself.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServeUsersReloadTest {
    private static final Pattern SERVING = Pattern.compile("webrepl serving http://127\\.0\\.0\\.1:(\\d+)/.*");
    @TempDir
    Path dir;
    private Process server;
    private BufferedReader output;
    private final List<String> lines = new ArrayList<>();

    @AfterEach
    void cleanUp() throws IOException {
        if (server != null) {
            server.destroyForcibly();
        }
        if (output != null) {
            output.close();
        }
    }

    private String lineContaining(String text) throws IOException {
        String line;
        while ((line = output.readLine()) != null) {
            lines.add(line);
            if (line.contains(text)) {
                return line;
            }
        }
        throw new AssertionError("no line with '" + text + "' in:\n" + String.join("\n", lines));
    }

    private static boolean logsIn(int port, String entry) {
        try (WebReplClient client = WebReplClient.newClient()) {
            ReplConnection c = client.connect("127.0.0.1", port, entry).join();
            c.close();
            return true;
        } catch (CompletionException e) {
            if (e.getCause() instanceof LoginFailedException) {
                return false;
            }
            throw e;
        }
    }

    @Test
    void sighupRereadsTheUsersFileAndThePollSeesAChange() throws Exception {
        Path users = dir.resolve("users");
        Files.writeString(users, "ann:pw-1\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        server = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                WebReplMain.class.getName(), "serve", "--port", "0", "--no-admin", "--users", users.toString(),
                "--root", dir.resolve("root").toString(), "--engine", "echo")
                .redirectErrorStream(true).start();
        output = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        Matcher m = SERVING.matcher(lineContaining("webrepl serving"));
        assertTrue(m.matches(), String.join("\n", lines));
        int port = Integer.parseInt(m.group(1));
        assertTrue(logsIn(port, "ann:pw-1"));

        // Same size, same file, same modification time: only SIGHUP can tell the server.
        FileTime before = Files.getLastModifiedTime(users);
        Files.writeString(users, "ann:pw-2\n");
        Files.setLastModifiedTime(users, before);
        new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        lineContaining("reloaded: 1 users");
        assertTrue(logsIn(port, "ann:pw-2"));
        assertFalse(logsIn(port, "ann:pw-1"));

        Files.writeString(users, "ann:pw-2\nbob:pw-3\n");
        lineContaining("reloaded: 2 users");
        assertTrue(logsIn(port, "bob:pw-3"));
        assertTrue(server.isAlive(), "SIGHUP does not stop the server");
    }
}
