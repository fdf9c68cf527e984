package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.TransferProgress;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code metrics/grafana/webrepl.json} is an importable Grafana dashboard, and every metric its
 * panels query exists, under that exact series name, in a scrape of a server that ran a session.
 */
@Timeout(60)
class GrafanaDashboardTest {
    /** Tests run in the server module's folder; the dashboard lives in the metrics module. */
    static final Path DASHBOARD = Path.of("").toAbsolutePath().resolveSibling("metrics")
            .resolve(Path.of("grafana", "webrepl.json"));
    static final String DATASOURCE = "${DS_PROMETHEUS}";
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset", "and", "or", "unless", "inf", "nan", "Inf", "NaN");

    @TempDir
    Path root;
    @TempDir
    Path local;

    private final ObjectMapper json = new ObjectMapper();

    private JsonNode dashboard() throws IOException {
        return json.readTree(DASHBOARD.toFile());
    }

    /** Every panel, those inside rows included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            for (JsonNode inner : p.path("panels")) {
                out.add(inner);
            }
        }
        return out;
    }

    /**
     * The metric names a PromQL expression reads: identifiers that are not functions or
     * aggregations (followed by "("), keywords, label names (in {@code {...}} or a by/without/on
     * clause), strings, ranges or numbers.
     */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            int before = m.start() - 1;
            if (before >= 0 && (Character.isDigit(s.charAt(before)) || s.charAt(before) == '.')) {
                continue;  // the exponent or unit of a number (1e-3, 5m)
            }
            int after = m.end();
            while (after < s.length() && Character.isWhitespace(s.charAt(after))) {
                after++;
            }
            if (after < s.length() && s.charAt(after) == '(') {
                continue;  // a function or an aggregation
            }
            if (!KEYWORDS.contains(m.group())) {
                names.add(m.group());
            }
        }
        return names;
    }

    /** Panel title to the metric names it queries that are not in {@code exported}. */
    static Map<String, Set<String>> missing(JsonNode dashboard, Set<String> exported) {
        Map<String, Set<String>> missing = new TreeMap<>();
        for (JsonNode p : panels(dashboard)) {
            for (JsonNode t : p.path("targets")) {
                for (String name : metricNames(t.path("expr").asText())) {
                    if (!exported.contains(name)) {
                        missing.computeIfAbsent(p.path("title").asText(), k -> new TreeSet<>()).add(name);
                    }
                }
            }
        }
        return missing;
    }

    static Set<String> used(JsonNode dashboard) {
        Set<String> used = new TreeSet<>();
        for (JsonNode p : panels(dashboard)) {
            for (JsonNode t : p.path("targets")) {
                used.addAll(metricNames(t.path("expr").asText()));
            }
        }
        return used;
    }

    @Test
    @DisplayName("the dashboard is a Grafana import: title, uid, schema, a Prometheus data source input used by every query")
    void dashboardIsImportable() throws IOException {
        JsonNode d = dashboard();
        assertEquals("webrepl", d.path("title").asText());
        assertEquals("webrepl", d.path("uid").asText());
        assertEquals(39, d.path("schemaVersion").asInt());
        assertTrue(d.path("id").isNull(), "an exported dashboard has no id");
        JsonNode inputs = d.path("__inputs");
        assertEquals(1, inputs.size());
        assertEquals("DS_PROMETHEUS", inputs.get(0).path("name").asText());
        assertEquals("datasource", inputs.get(0).path("type").asText());
        assertEquals("prometheus", inputs.get(0).path("pluginId").asText());

        Set<Integer> ids = new HashSet<>();
        int queries = 0;
        for (JsonNode p : panels(d)) {
            String title = p.path("title").asText();
            assertTrue(ids.add(p.path("id").asInt()), "duplicate panel id in " + title);
            JsonNode grid = p.path("gridPos");
            assertTrue(grid.path("x").asInt() + grid.path("w").asInt() <= 24, "too wide: " + title);
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertEquals(DATASOURCE, p.path("datasource").path("uid").asText(), title);
            assertFalse(p.path("targets").isEmpty(), "no query in " + title);
            for (JsonNode t : p.path("targets")) {
                assertEquals(DATASOURCE, t.path("datasource").path("uid").asText(), title);
                assertFalse(metricNames(t.path("expr").asText()).isEmpty(), "no metric in " + title);
                queries++;
            }
        }
        assertTrue(queries > 30, "queries: " + queries);
    }

    @Test
    @DisplayName("the queries read what the issue asks for: sessions, terminals, latency, traffic, files, logins, Netty, JVM")
    void dashboardCoversTheMeters() throws IOException {
        Set<String> used = used(dashboard());
        for (String name : List.of("webrepl_sessions_active", "webrepl_sessions_opened_total",
                "webrepl_sessions_ended_total", "webrepl_terminals_attached", "webrepl_terminals_deactivated_total",
                "webrepl_data_received_bytes_total", "webrepl_data_sent_bytes_total", "webrepl_frames_received_total",
                "webrepl_frames_sent_total", "webrepl_keystroke_echo_seconds_bucket",
                "webrepl_engine_start_seconds_sum", "webrepl_transfers_seconds_count",
                "webrepl_transfers_data_bytes_total", "webrepl_auth_attempts_total", "webrepl_auth_lockouts_total",
                "webrepl_input_queued_bytes", "webrepl_output_backlog_bytes_sum", "webrepl_producer_pauses_total",
                "reactor_netty_http_server_connections", "jvm_memory_used_bytes", "jvm_gc_pause_seconds_sum",
                "jvm_threads_live_threads", "process_cpu_usage", "process_files_open_files")) {
            assertTrue(used.contains(name), name + " is not on the dashboard");
        }
    }

    @Test
    @DisplayName("metric names are told apart from functions, keywords, labels, strings, ranges and numbers")
    void extractsMetricNames() {
        assertEquals(Set.of("webrepl_keystroke_echo_seconds_bucket"), metricNames(
                "histogram_quantile(0.99, sum by (le) (rate(webrepl_keystroke_echo_seconds_bucket[$__rate_interval])))"));
        assertEquals(Set.of("a_sum", "a_count"), metricNames(
                "sum by (engine, reason) (rate(a_sum[1m])) / sum without (node) (rate(a_count [5m] offset 1h))"));
        assertEquals(Set.of("jvm_memory_used_bytes"), metricNames("sum(jvm_memory_used_bytes{area=\"heap\",id=~\"G1 (Old|Eden)\"}) > 1e-3"));
        assertEquals(Set.of("x", "y"), metricNames("x and on (instance) y"));
    }

    @Test
    @DisplayName("a query with a name the server does not export is reported, with its panel")
    void unknownNameIsReported() throws IOException {
        JsonNode d = dashboard();
        Set<String> exported = used(d);
        assertEquals(Map.of(), missing(d, exported));
        JsonNode panel = panels(d).stream().filter(p -> p.has("targets")).findFirst().orElseThrow();
        ((ObjectNode) panel.path("targets").get(0)).put("expr", "sum(rate(webrepl_sessions_opened[1m]))");
        assertEquals(Map.of(panel.path("title").asText(), Set.of("webrepl_sessions_opened")), missing(d, exported));
    }

    /** The matchers every selector carries, so that a shared Prometheus does not mix in other applications. */
    static final List<String> FILTER = List.of("job=~\"$job\"", "instance=~\"$instance\"", "node=~\"$node\"");

    /** The metric names in {@code expr} read at least once without all of {@link #FILTER} in their selector. */
    static Set<String> unfiltered(String expr) {
        Set<String> out = new TreeSet<>();
        for (String name : metricNames(expr)) {
            Matcher m = Pattern.compile("(?<![A-Za-z0-9_:])" + Pattern.quote(name) + "(?![A-Za-z0-9_:])\\s*(\\{([^}]*)})?")
                    .matcher(expr);
            while (m.find()) {
                String selector = m.group(2) == null ? "" : m.group(2);
                if (!FILTER.stream().allMatch(selector::contains)) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    @Test
    @DisplayName("every query, the JVM, process and Netty panels included, reads only the chosen job, instance and node")
    void everyQueryFiltersByJobInstanceAndNode() throws IOException {
        Map<String, Set<String>> unfiltered = new TreeMap<>();
        int panels = 0;
        for (JsonNode p : panels(dashboard())) {
            for (JsonNode t : p.path("targets")) {
                Set<String> names = unfiltered(t.path("expr").asText());
                if (!names.isEmpty()) {
                    unfiltered.computeIfAbsent(p.path("title").asText(), k -> new TreeSet<>()).addAll(names);
                }
            }
            panels++;
        }
        assertEquals(Map.of(), unfiltered);
        assertTrue(panels > 30, "panels: " + panels);
    }

    @Test
    @DisplayName("a selector without one of the job, instance and node matchers, or with none, is reported")
    void unfilteredSelectorIsReported() {
        assertEquals(Set.of(), unfiltered("sum(rate(a_total{job=~\"$job\", instance=~\"$instance\", node=~\"$node\"}[1m]))"));
        assertEquals(Set.of("process_cpu_usage"), unfiltered("avg(process_cpu_usage{node=~\"$node\"})"));
        assertEquals(Set.of("jvm_threads_live_threads"), unfiltered("sum(jvm_threads_live_threads)"));
        assertEquals(Set.of("b_count"), unfiltered("sum(a_sum{job=~\"$job\", instance=~\"$instance\", node=~\"$node\"})"
                + " / sum(b_count{job=~\"$job\", node=~\"$node\"})"));
        assertEquals(Set.of("a"), unfiltered("a{job=~\"$job\", instance=~\"$instance\", node=~\"$node\"} / a"));
    }

    @Test
    @DisplayName("job, instance and node are variables queried from Prometheus (label_values), chained; All never means .*")
    void variablesComeFromPrometheus() throws IOException {
        JsonNode d = dashboard();
        Map<String, JsonNode> vars = new TreeMap<>();
        for (JsonNode v : d.path("templating").path("list")) {
            vars.put(v.path("name").asText(), v);
        }
        assertEquals(Set.of("DS_PROMETHEUS", "job", "instance", "node"), vars.keySet());
        // The data source is a variable too, so that ${DS_PROMETHEUS} resolves when the file is provisioned
        // (an import replaces it with the data source chosen).
        assertEquals("datasource", vars.get("DS_PROMETHEUS").path("type").asText());
        assertEquals("prometheus", vars.get("DS_PROMETHEUS").path("query").asText());
        Map<String, String> queries = Map.of(
                "job", "label_values(webrepl_terminals_attached, job)",
                "instance", "label_values(webrepl_terminals_attached{job=~\"$job\"}, instance)",
                "node", "label_values(webrepl_terminals_attached{job=~\"$job\", instance=~\"$instance\"}, node)");
        for (Map.Entry<String, String> q : queries.entrySet()) {
            JsonNode v = vars.get(q.getKey());
            assertEquals("query", v.path("type").asText(), q.getKey());
            assertEquals(DATASOURCE, v.path("datasource").path("uid").asText(), q.getKey());
            assertEquals(q.getValue(), v.path("definition").asText(), q.getKey());
            assertEquals(q.getValue(), v.path("query").path("query").asText(), q.getKey());
            assertTrue(v.path("multi").asBoolean() && v.path("includeAll").asBoolean(), q.getKey());
            assertEquals(2, v.path("refresh").asInt(), q.getKey() + " is refreshed when the time range changes");
        }
        // All of job and instance is the values found (targets that export webrepl's meters), not .*,
        // which would let every other application's JVM into the JVM panels.
        assertTrue(vars.get("job").path("allValue").isMissingNode(), "job");
        assertTrue(vars.get("instance").path("allValue").isMissingNode(), "instance");
        // Servers without --node have no node label: All still matches them.
        assertEquals(".*", vars.get("node").path("allValue").asText());

        Pattern reference = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)");
        for (JsonNode p : panels(d)) {
            for (JsonNode t : p.path("targets")) {
                Matcher m = reference.matcher(t.path("expr").asText());
                while (m.find()) {
                    String name = m.group(1);
                    assertTrue(name.startsWith("__") || vars.containsKey(name), name + " in " + p.path("title").asText());
                }
            }
        }
    }

    @Test
    @DisplayName("deploy/grafana's provisioning file loads the dashboard directory the README mounts")
    void provisioningFileServesTheDashboardDirectory() throws IOException {
        Path repo = DASHBOARD.getParent().getParent().getParent();
        Path provisioning = repo.resolve(Path.of("deploy", "grafana", "provisioning", "dashboards", "webrepl.yaml"));
        List<String> lines = Files.readAllLines(provisioning).stream()
                .filter(l -> !l.isBlank() && !l.stripLeading().startsWith("#")).map(String::stripTrailing).toList();
        assertEquals(List.of(
                "apiVersion: 1",
                "providers:",
                "  - name: webrepl",
                "    folder: webrepl",
                "    type: file",
                "    disableDeletion: false",
                "    allowUiUpdates: false",
                "    updateIntervalSeconds: 30",
                "    options:",
                "      path: /var/lib/grafana/dashboards/webrepl",
                "      foldersFromFilesStructure: false"), lines);
        String readme = Files.readString(repo.resolve("README.md"));
        assertTrue(readme.contains("metrics/grafana:/var/lib/grafana/dashboards/webrepl"), "README mounts the dashboard directory");
        assertTrue(readme.contains("deploy/grafana/provisioning/dashboards/webrepl.yaml"), "README names the provisioning file");
        assertTrue(Files.isRegularFile(DASHBOARD.getParent().resolve("webrepl.json")));
    }

    @Test
    @DisplayName("every metric the panels query is in a scrape taken after a scripted session")
    void everyQueriedMetricIsExported() throws Exception {
        PrometheusScrape scrape = scrapeAfterASession();
        Map<String, Set<String>> missing = missing(dashboard(), scrape.names());
        assertEquals(Map.of(), missing, () -> "exported: " + scrape.names());
    }

    /**
     * One echo session: typing, a PUT and a GET, a viewer that comes and goes, then the session
     * ends; then a GC, so that the GC pause timer (created at the first GC notification) exists.
     */
    private PrometheusScrape scrapeAfterASession() throws Exception {
        SessionConfig config = SessionConfig.DEFAULTS.withLinger(Duration.ZERO).withWorkingDirectory(root);
        ServerOptions options = ServerOptions.of(PasswordCheck.plain("pw"), new FileStore(root)).withPort(0);
        try (MonitoredServer server = MonitoredServer.start(options, EchoEvaluator::engine, config, new WebReplMetrics());
             WebReplClient client = WebReplClient.newClient()) {
            int port = server.server().port();
            ReplConnection terminal = client.connect("127.0.0.1", port, "pw").join();
            Transcript out = Transcript.of(terminal);
            String id = out.awaitSessionId();
            terminal.send("1\r").join();
            out.awaitEndsWith("1\r\n" + EchoEvaluator.PROMPT);

            byte[] content = "print('hi')\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Path source = Files.write(local.resolve("main.py"), content);
            terminal.put(source, "main.py", TransferProgress.NONE).join();
            terminal.get("main.py", local.resolve("back.py"), TransferProgress.NONE).join();
            assertArrayEquals(content, Files.readAllBytes(local.resolve("back.py")));

            ReplConnection viewer = client.connectPath("127.0.0.1", port, "/session/" + id + "?mode=view").join();
            viewer.login("pw").join();
            Transcript seen = Transcript.of(viewer);
            seen.awaitSessionId();
            viewer.close();
            seen.awaitClosed();
            terminal.close();
            out.awaitClosed();

            System.gc();
            // The ended counter too: a scrape that runs while the session ends may see the duration
            // timer registered after it but not the counter (the registry's map is read weakly consistently).
            return awaitScrape(server.metrics(), Set.of("webrepl_sessions_duration_seconds_sum",
                    "webrepl_sessions_ended_total", "webrepl_terminals_deactivated_total", "jvm_gc_pause_seconds_sum"));
        }
    }

    /** Polls (bounded) until the scrape has every one of {@code names}: they appear on server and GC threads. */
    private static PrometheusScrape awaitScrape(WebReplMetrics metrics, Set<String> names) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            PrometheusScrape s = PrometheusScrape.parse(metrics.scrape());
            if (s.names().containsAll(names)) {
                return s;
            }
            if (System.nanoTime() > deadline) {
                Set<String> absent = new TreeSet<>(names);
                absent.removeAll(s.names());
                throw new AssertionError("never exported: " + absent);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));  // a poll interval, not a timing assumption
        }
    }
}
