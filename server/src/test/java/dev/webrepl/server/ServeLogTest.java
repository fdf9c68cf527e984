package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 item 15: {@code webrepl serve}'s log on stderr (README "Logs"), as a child process: a
 * WebSocket that logs in and closes is one line, in the text format and as JSON, with the session and
 * the peer; {@code --log-level} and {@code WEBREPL_LOG_LEVEL} set the level; a bad level is a usage error.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServeLogTest {
    private static final Pattern SERVING = Pattern.compile("webrepl serving http://127\\.0\\.0\\.1:(\\d+)/.*");
    private static final Pattern SESSION = Pattern.compile("(?s).*webrepl: session /session/([A-Za-z0-9_-]+)\r\n.*");
    private static final String SIGTERM_LINE = "webrepl: SIGTERM: shutting down (a second signal exits at once)";
    /** The echo engine's terminal: "Password: ", the login frame, the session line with its 22-character id. */
    private static final int BYTES_OUT = 10 + 25 + 30 + 22;

    @TempDir
    Path dir;
    private Process server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.destroyForcibly();
        }
    }

    /** Starts {@code webrepl serve} (echo engine, password pw) with {@code flags} and {@code environment}; returns its port. */
    private int serve(Map<String, String> environment, String... flags) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                WebReplMain.class.getName(), "serve", "--port", "0", "--no-admin", "--password", "pw",
                "--root", Files.createDirectories(dir.resolve("root")).toString(), "--engine", "echo"));
        command.addAll(List.of(flags));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(name -> name.startsWith("WEBREPL_"));
        pb.environment().putAll(environment);
        server = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        // Up to the banner: a JVM may print a warning of its own on stdout first.
        List<String> seen = new ArrayList<>();
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            Matcher m = SERVING.matcher(line);
            if (m.matches()) {
                return Integer.parseInt(m.group(1));
            }
            seen.add(line);
        }
        throw new AssertionError("no banner in " + seen + "; stderr: " + stderrAfterExit());
    }

    /**
     * Stops the server with SIGTERM (it waits for its connections' last lines) and returns its stderr
     * lines but the one that says it is shutting down (which may come before a connection's last line).
     */
    private List<String> stopAndReadStderr() throws Exception {
        server.toHandle().destroy();  // SIGTERM; Process.destroy() would also close our end of stderr
        assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server did not stop");
        assertEquals(0, server.exitValue());
        List<String> err = new ArrayList<>(stderrAfterExit());
        assertTrue(err.remove(SIGTERM_LINE), err.toString());
        return err;
    }

    private List<String> stderrAfterExit() {
        try {
            return new String(server.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Logs in over a WebSocket (Java's client), then closes with 1000 "bye"; returns the session id. */
    private static String loginAndClose(int port) throws Exception {
        StringBuilder text = new StringBuilder();
        CompletableFuture<String> sessionLine = new CompletableFuture<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        text.append(data);
                        Matcher m = SESSION.matcher(text);
                        if (m.matches()) {
                            sessionLine.complete(m.group(1));
                        }
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                        closed.complete(code);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket w, Throwable error) {
                        sessionLine.completeExceptionally(error);
                        closed.completeExceptionally(error);
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("pw\r", true).get(10, TimeUnit.SECONDS);
        String id = sessionLine.get(10, TimeUnit.SECONDS);
        ws.sendClose(1000, "bye").get(10, TimeUnit.SECONDS);
        assertEquals(1000, closed.get(10, TimeUnit.SECONDS), "the server's answer to the close");
        return id;
    }

    @Test
    void aConnectionIsOneTextLineWithSessionAndPeer() throws Exception {
        int port = serve(Map.of());
        String id = loginAndClose(port);

        List<String> err = stopAndReadStderr();

        assertEquals(1, err.size(), String.join("\n", err));
        assertTrue(Pattern.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  session=" + id
                + " peer=127\\.0\\.0\\.1:\\d+ connection closed by the client with 1000 \"bye\", terminal 0 "
                + "\\(read-write\\), \\d+\\.\\d{3} s, 3 bytes in, " + BYTES_OUT + " bytes out", err.get(0)), err.get(0));
    }

    @Test
    void jsonIsOneObjectPerLineWithTheSameFields() throws Exception {
        int port = serve(Map.of(), "--log-format", "json", "--log-level", "DEBUG");
        String id = loginAndClose(port);

        List<String> err = stopAndReadStderr();

        List<JsonNode> lines = new ArrayList<>();
        for (String line : err) {
            lines.add(new ObjectMapper().readTree(line));  // every log line parses as JSON
        }
        List<JsonNode> ours = lines.stream()
                .filter(l -> l.path("logger").asText().equals("dev.webrepl.transport.server.ConnectionHandler")).toList();
        assertEquals(2, ours.size(), err.toString());
        JsonNode attached = ours.get(0);
        JsonNode ended = ours.get(1);
        assertEquals(List.of("timestamp", "level", "logger", "message", "session", "peer"), names(ended));
        assertEquals(List.of("DEBUG", "terminal 0 (read-write) attached", id),
                List.of(attached.get("level").asText(), attached.get("message").asText(), attached.get("session").asText()));
        assertEquals("INFO", ended.get("level").asText());
        assertEquals(id, ended.get("session").asText());
        assertEquals(attached.get("peer").asText(), ended.get("peer").asText());
        assertTrue(ended.get("peer").asText().matches("127\\.0\\.0\\.1:\\d+"), ended.toString());
        assertTrue(ended.get("timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), ended.toString());
        assertTrue(ended.get("message").asText().matches("connection closed by the client with 1000 \"bye\", terminal 0 "
                + "\\(read-write\\), \\d+\\.\\d{3} s, 3 bytes in, " + BYTES_OUT + " bytes out"), ended.toString());
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> i = object.fieldNames(); i.hasNext(); ) {
            names.add(i.next());
        }
        return names;
    }

    @Test
    void logLevelWarnLeavesNoInfoLine() throws Exception {
        int port = serve(Map.of(), "--log-level", "WARN");
        loginAndClose(port);

        assertEquals(List.of(), stopAndReadStderr());
    }

    @Test
    void theLevelComesFromTheEnvironmentToo() throws Exception {
        int port = serve(Map.of("WEBREPL_LOG_LEVEL", "WARN"));
        loginAndClose(port);

        assertEquals(List.of(), stopAndReadStderr());
    }

    @Test
    void oneLoggerCanBeSetApart() throws Exception {
        // Everything at WARN but the connection's logger: its line alone.
        int port = serve(Map.of(), "--log-level", "WARN,dev.webrepl.transport.server.ConnectionHandler=INFO");
        String id = loginAndClose(port);

        List<String> err = stopAndReadStderr();

        assertEquals(1, err.size(), String.join("\n", err));
        assertTrue(err.get(0).contains(" INFO  session=" + id + " peer=127.0.0.1:"), err.get(0));
    }

    @Test
    void aBadLevelIsAUsageError() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(2, CapturedCli.webrepl(out, err).execute("serve", "--log-level", "LOUD"));
        assertEquals("Invalid value for option '--log-level' ([LOGGER=]LEVEL): 'LOUD' is not a log level: give TRACE, "
                + "DEBUG, INFO, WARN, ERROR or OFF, or LOGGER=LEVEL\nTry 'webrepl serve --help' for more information.\n",
                err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void aBadFormatIsAUsageError() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(2, CapturedCli.webrepl(out, err).execute("serve", "--log-format", "xml"));
        assertEquals("Invalid value for option '--log-format': 'xml' is not a log format: give text or json\n"
                + "Try 'webrepl serve --help' for more information.\n", err.toString());
    }
}
