package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.metrics.AdminOptions;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.metrics.audit.RecordingOptions;
import dev.webrepl.metrics.audit.SessionRecordings;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.ServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real session recorded through the real server: its file parses line by line as asciicast v2,
 * the output events are exactly the bytes the client's terminal got, input is there only with
 * input recording on, a resize is an event; the admin listener lists the file, serves it, and
 * answers 404 to names it does not list.
 */
class RecordingTest {
    static final List<String> LINES = List.of("1 + 1", "print('h\u00e9llo \u20ac')", "x = 42");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A server that records into {@code dir/recordings}, echo engine, admin on a free port. */
    static MonitoredServer server(Path dir, RecordingOptions recording) throws Exception {
        return server(dir, recording, AdminOptions.DEFAULTS.withPort(0));
    }

    static MonitoredServer server(Path dir, RecordingOptions recording, AdminOptions admin) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        return MonitoredServer.start(ServerOptions.of(PasswordCheck.plain("pw"), new FileStore(root)).withPort(0),
                EchoEvaluator::engine, SessionConfig.DEFAULTS.withLinger(Duration.ZERO), new WebReplMetrics(),
                admin, () -> Map.of("kind", "echo"), null, null, SessionRecordings.start(recording), null);
    }

    /**
     * Types {@link #LINES} (after a resize to 100x30), waits for their echoes, leaves, and waits for the
     * session to end; returns what the client's terminal got after the session line.
     */
    static String typeAndLeave(MonitoredServer server) throws Exception {
        String output;
        try (WebReplClient client = WebReplClient.newClient();
             ReplConnection connection = client.connect("127.0.0.1", server.server().port(), "pw").get(30, TimeUnit.SECONDS)) {
            Transcript seen = Transcript.of(connection);
            seen.awaitSessionId();
            connection.resize(100, 30).get(30, TimeUnit.SECONDS);
            for (String line : LINES) {
                connection.send(line + "\r").get(30, TimeUnit.SECONDS);
                seen.awaitEndsWith(line + "\r\n" + line + "\r\n>>> ");
            }
            String text = seen.text();
            java.util.regex.Matcher m = Transcript.SESSION_LINE.matcher(text);
            assertTrue(m.find());
            output = text.substring(m.end());
        }
        // The session ends when its only terminal has gone (no linger): drain and wait for that.
        server.server().sessions().drain();
        server.server().sessions().whenDrained().get(30, TimeUnit.SECONDS);
        return output;
    }

    private static List<JsonNode> parse(Path cast) throws Exception {
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(cast, StandardCharsets.UTF_8)) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    private Path onlyRecording() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("recordings"))) {
            List<Path> all = files.toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0);
        }
    }

    @Test
    void outputEventsAreExactlyWhatTheTerminalGotAndInputIsLeftOut() throws Exception {
        String received;
        try (MonitoredServer server = server(dir, RecordingOptions.of(dir.resolve("recordings")))) {
            received = typeAndLeave(server);
        }
        Path cast = onlyRecording();
        assertTrue(cast.getFileName().toString().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ\\.-\\.[A-Za-z0-9_-]{22}\\.cast"),
                cast.getFileName().toString());
        List<JsonNode> lines = parse(cast);
        JsonNode header = lines.get(0);
        String session = cast.getFileName().toString().split("\\.")[2];
        assertEquals(List.of("version", "width", "height", "timestamp", "title"), fieldNames(header));
        assertEquals(2, header.get("version").asInt());
        assertEquals(80, header.get("width").asInt());
        assertEquals(24, header.get("height").asInt());
        assertEquals("webrepl session " + session + " (echo)", header.get("title").asText());
        assertTrue(Math.abs(header.get("timestamp").asLong() - System.currentTimeMillis() / 1000) < 3600);

        StringBuilder output = new StringBuilder();
        List<String> codes = new java.util.ArrayList<>();
        double last = 0;
        for (JsonNode event : lines.subList(1, lines.size())) {
            assertEquals(3, event.size(), event.toString());
            assertTrue(event.get(0).asDouble() >= last, "times never go back: " + event);
            last = event.get(0).asDouble();
            String code = event.get(1).asText();
            if (!codes.contains(code)) {
                codes.add(code);
            }
            if (code.equals("o")) {
                output.append(event.get(2).asText());
            } else if (code.equals("r")) {
                assertEquals("100x30", event.get(2).asText());
            }
        }
        assertEquals(received, output.toString());
        assertEquals(List.of("o", "r"), codes.stream().sorted().toList(), "no input events unless asked");
    }

    @Test
    void withInputRecordingTheInputEventsAreWhatWasTyped() throws Exception {
        try (MonitoredServer server = server(dir, RecordingOptions.of(dir.resolve("recordings")).withInput(true))) {
            typeAndLeave(server);
        }
        StringBuilder input = new StringBuilder();
        for (JsonNode event : parse(onlyRecording())) {
            if (event.isArray() && event.get(1).asText().equals("i")) {
                input.append(event.get(2).asText());
            }
        }
        assertEquals(String.join("\r", LINES) + "\r", input.toString());
    }

    @Test
    void theAdminListenerListsServesAndRefusesNamesItDoesNotList() throws Exception {
        Files.createDirectories(dir.resolve("recordings"));
        Files.writeString(dir.resolve("secret.cast"), "not yours");
        HttpClient http = HttpClient.newHttpClient();
        try (MonitoredServer server = server(dir, RecordingOptions.of(dir.resolve("recordings")))) {
            typeAndLeave(server);
            Path cast = onlyRecording();
            String file = cast.getFileName().toString();
            String name = file.substring(0, file.length() - ".cast".length());
            String base = "http://127.0.0.1:" + server.admin().port();

            HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create(base + "/recordings")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, list.statusCode());
            JsonNode entries = JSON.readTree(list.body());
            assertEquals(1, entries.size(), list.body());
            JsonNode entry = entries.get(0);
            assertEquals(List.of("name", "user", "session", "size", "started"), fieldNames(entry));
            assertEquals(name, entry.get("name").asText());
            assertTrue(entry.get("user").isNull());
            assertEquals(name.split("\\.")[2], entry.get("session").asText());
            assertEquals(Files.size(cast), entry.get("size").asLong());
            assertEquals(java.time.LocalDateTime.parse(name.split("\\.")[0],
                    java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH-mm-ss'Z'")).toInstant(java.time.ZoneOffset.UTC)
                    .toString(), entry.get("started").asText());

            HttpResponse<byte[]> got = http.send(HttpRequest.newBuilder(URI.create(base + "/recordings/" + name + ".cast"))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, got.statusCode());
            assertEquals("application/x-asciicast", got.headers().firstValue("content-type").orElseThrow());
            assertEquals("attachment; filename=\"" + file + "\"", got.headers().firstValue("content-disposition").orElseThrow());
            assertEquals(Files.readString(cast), new String(got.body(), StandardCharsets.UTF_8));

            for (String hostile : List.of("/recordings/..%2Fsecret.cast", "/recordings/%2E%2E%2Fsecret.cast",
                    "/recordings/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd.cast", "/recordings/" + name + ".cast%00",
                    "/recordings/" + name.replace(".-.", ".x.") + ".cast", "/recordings/.cast",
                    "/recordings/" + name + "%2F..%2F..%2Fsecret.cast")) {
                HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base + hostile)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(404, refused.statusCode(), hostile + ": " + refused.body());
            }
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/recordings"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
