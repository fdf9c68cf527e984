package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.metrics.AdminAccess;
import dev.webrepl.metrics.AdminOptions;
import dev.webrepl.metrics.AdminToken;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.testkit.browser.HeadlessChromium;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.TransferProgress;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.ServerOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium: after a small workload (a session, typed lines read
 * back, one PUT) its charts show that session and the keystroke-to-echo latency. Leaves a
 * screenshot in {@code target/dashboard.png} for a person to look at.
 */
class DashboardBrowserTest {
    private static final List<String> LINES = List.of("1 + 1", "print('hello')", "x = 42");

    @TempDir
    Path dir;

    @Test
    void chartsShowTheOpenSessionAndKeystrokeLatency() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path upload = Files.writeString(dir.resolve("upload.txt"), "dashboard test\n");
        try (MonitoredServer server = MonitoredServer.start(
                ServerOptions.of(PasswordCheck.plain("pw"), new FileStore(root)).withPort(0),
                EchoEvaluator::engine, SessionConfig.DEFAULTS, new WebReplMetrics(),
                AdminOptions.DEFAULTS.withPort(0), () -> Map.of("kind", "echo"));
             WebReplClient client = WebReplClient.newClient();
             ReplConnection connection = client.connect("127.0.0.1", server.server().port(), "pw")
                     .get(30, TimeUnit.SECONDS)) {
            StringBuilder seen = new StringBuilder();
            CompletableFuture<Void> allEchoed = new CompletableFuture<>();
            String lastEcho = LINES.get(LINES.size() - 1) + "\r\n" + LINES.get(LINES.size() - 1) + "\r\n>>> ";
            connection.output().subscribe(bytes -> {
                synchronized (seen) {
                    seen.append(new String(bytes, StandardCharsets.UTF_8));
                    if (seen.indexOf(lastEcho) >= 0) {
                        allEchoed.complete(null);
                    }
                }
            });
            for (String line : LINES) {
                connection.send(line + "\r").get(30, TimeUnit.SECONDS);
            }
            allEchoed.get(30, TimeUnit.SECONDS);
            connection.put(upload, "upload.txt", TransferProgress.NONE).get(30, TimeUnit.SECONDS);
            // A viewer comes and goes: a normal disconnect (peer-gone), not a deactivation.
            String id;
            synchronized (seen) {  // the session line came before the echoes
                Matcher m = Transcript.SESSION_LINE.matcher(seen);
                assertTrue(m.find(), seen.toString());
                id = m.group(1);
            }
            ReplConnection viewer = client.connectPath("127.0.0.1", server.server().port(),
                    "/session/" + id + "?mode=view").get(30, TimeUnit.SECONDS);
            viewer.login("pw").get(30, TimeUnit.SECONDS);
            Transcript seenByViewer = Transcript.of(viewer);
            seenByViewer.awaitSessionId();
            viewer.close();
            seenByViewer.awaitClosed();

            try (HeadlessChromium chromium = HeadlessChromium.start()) {
                WebDriver driver = chromium.driver();
                driver.get("http://127.0.0.1:" + server.admin().port() + "/dashboard");
                // The page polls every second; the server's history already holds the workload.
                new WebDriverWait(driver, Duration.ofSeconds(30)).until(d ->
                        max(d, "chart-sessions") > 0 && max(d, "chart-echo") > 0 && max(d, "chart-transfers") > 0
                        && seriesMax(d, "chart-deactivations", "disconnects") > 0
                        && d.findElements(By.cssSelector("#session-table tbody tr")).size() == 1);

                assertEquals("webrepl dashboard", driver.getTitle());
                assertEquals(1.0, max(driver, "chart-sessions"), "one session open throughout");
                assertTrue(max(driver, "chart-echo") > 0);
                assertEquals(1.0, max(driver, "chart-transfers"), "one PUT, ended in one interval");
                assertEquals(1.0, seriesMax(driver, "chart-deactivations", "disconnects"), "the viewer left");
                assertEquals(0.0, seriesMax(driver, "chart-deactivations", "deactivations"), "no terminal was cut off");
                // The session table: the one session, its engine, one read-write terminal, no viewer left.
                List<String> cells = driver.findElements(By.cssSelector("#session-table tbody tr td")).stream()
                        .map(WebElement::getText).toList();
                assertEquals(8, cells.size(), cells.toString());
                assertEquals(List.of(id, "echo"), cells.subList(0, 2));
                assertTrue(cells.get(2).matches("\\d+ s"), "age: " + cells.get(2));
                assertEquals(List.of("1", "0"), cells.subList(3, 5));
                assertTrue(Long.parseLong(cells.get(5)) > 0 && Long.parseLong(cells.get(6)) > 0, cells.toString());
                assertFalse(driver.findElement(By.id("no-sessions")).isDisplayed());

                // Y-axis ticks are short, and every y axis is wide enough for its longest tick and its title.
                JavascriptExecutor js = (JavascriptExecutor) driver;
                assertEquals(List.of("0", "0.5", "950", "1.5k", "2.5M", "12.3G", "0.000123"), js.executeScript(
                        "return [0, 0.5, 950, 1500, 2500000, 12345678901, 0.000123].map(window.webreplDashboard.compact);"));
                assertEquals(List.of(), js.executeScript(AXES_TOO_NARROW), "with the workload's values");
                // uPlot lays out after the current task: measure in the next one (again, a bounded number of
                // times, if the page's own poll put its data back in between).
                assertEquals(List.of(), js.executeAsyncScript("var done = arguments[0]; var p = window.webreplDashboard.plots;"
                        + " function attempt(left) {"
                        + "   Object.keys(p).forEach(function (id) { var u = p[id];"
                        + "     u.setData([[1, 2]].concat(u.series.slice(1).map(function () { return [0.000123, 987654321]; })));"
                        + "   });"
                        + "   setTimeout(function () {"
                        + "     var wide = Object.keys(p).every(function (id) { return p[id].axes[1]._values.join(' ').indexOf('M') >= 0; });"
                        + "     if (wide) { done((function () {" + AXES_TOO_NARROW + " })()); }"
                        + "     else if (left > 0) { attempt(left - 1); } else { done(['never laid out with the wide values']); }"
                        + "   }, 0);"
                        + " }"
                        + " attempt(20);"), "with wide values");
                assertEquals(1L, ((Number) ((JavascriptExecutor) driver)
                        .executeScript("return window.webreplDashboard.latest.sessions")).longValue());
                for (String chart : List.of("chart-sessions", "chart-terminals", "chart-throughput", "chart-echo",
                        "chart-transfers", "chart-deactivations")) {
                    assertEquals(1, driver.findElements(By.cssSelector("#" + chart + " canvas")).size(),
                            chart + " is drawn");
                }
                Path target = Path.of(System.getProperty("basedir", ".")).resolve("target");
                Files.createDirectories(target);
                Files.write(target.resolve("dashboard.png"),
                        ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
            }
        }
    }

    @Test
    void withAnAdminTokenThePageSendsTheOneInItsFragment() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        String token = "dash-7c1e";
        try (MonitoredServer server = MonitoredServer.start(
                ServerOptions.of(PasswordCheck.plain("pw"), new FileStore(root)).withPort(0),
                EchoEvaluator::engine, SessionConfig.DEFAULTS, new WebReplMetrics(),
                AdminOptions.DEFAULTS.withPort(0).withAccess(AdminAccess.NONE.withToken(AdminToken.of(token))),
                () -> Map.of("kind", "echo"));
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            String page = "http://127.0.0.1:" + server.admin().port() + "/dashboard";
            driver.get(page);
            new WebDriverWait(driver, Duration.ofSeconds(30)).until(d ->
                    d.findElement(By.id("status")).getText().startsWith("cannot load data: HTTP 401"));
            assertEquals("cannot load data: HTTP 401: this server needs its admin token; open /dashboard#token=TOKEN",
                    driver.findElement(By.id("status")).getText());

            driver.get(page + "#token=" + token);
            driver.navigate().refresh();   // a fragment change alone does not reload the page
            new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> max(d, "chart-sessions") >= 0);
            assertEquals(0.0, max(driver, "chart-sessions"), "no session open");
            new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> d.findElement(By.id("no-sessions")).isDisplayed());
            assertEquals(0, driver.findElements(By.cssSelector("#session-table tbody tr")).size());
            assertTrue(driver.findElement(By.id("status")).getText().contains("sessions open: 0"),
                    driver.findElement(By.id("status")).getText());
        }
    }

    /**
     * Issue 17 item 17: the x axis's time labels never overlap, at a phone's width up to a wide screen, over
     * a fresh page's few seconds up to the server's whole history (600 samples, 10 minutes). Each label's
     * box is measured in the canvas's own font at the position uPlot draws it (centred on its tick).
     */
    @Test
    void xAxisTickLabelsNeverOverlapAtAnyWidth() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        try (MonitoredServer server = MonitoredServer.start(
                ServerOptions.of(PasswordCheck.plain("pw"), new FileStore(root)).withPort(0),
                EchoEvaluator::engine, SessionConfig.DEFAULTS, new WebReplMetrics(),
                AdminOptions.DEFAULTS.withPort(0), () -> Map.of("kind", "echo"));
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get("http://127.0.0.1:" + server.admin().port() + "/dashboard");
            new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> max(d, "chart-sessions") >= 0);
            java.util.List<String> problems = new java.util.ArrayList<>();
            for (int width : List.of(420, 800, 1280, 1920)) {
                BrowserLayoutTest.resize(driver, width, 900);
                assertEquals(List.of(true), ((JavascriptExecutor) driver).executeScript("var e = document.documentElement;"
                        + " return [e.scrollWidth === e.clientWidth];"), "no sideways scrolling at " + width + " px");
                for (int span : List.of(5, 60, 299, 600)) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> r = (Map<String, Object>) ((JavascriptExecutor) driver)
                            .executeAsyncScript(X_LABELS, span);
                    String where = width + " px, " + span + " s: ";
                    @SuppressWarnings("unchecked")
                    Map<String, List<String>> labels = (Map<String, List<String>>) r.get("labels");
                    if (labels == null) {
                        problems.add(where + r.get("error"));
                        continue;
                    }
                    assertEquals(6, labels.size(), where + labels);
                    labels.forEach((chart, shown) -> {
                        if (shown.size() < 2) {
                            problems.add(where + chart + " shows fewer than 2 time labels: " + shown);
                        }
                    });
                    @SuppressWarnings("unchecked")
                    List<String> overlaps = (List<String>) r.get("overlaps");
                    overlaps.forEach(o -> problems.add(where + o));
                }
                // The last span (the whole history) stays shown: a screenshot per width for a person to look at.
                Path target = Path.of(System.getProperty("basedir", ".")).resolve("target");
                Files.createDirectories(target);
                Files.write(target.resolve("dashboard-x-axis-" + width + ".png"),
                        ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
            }
            assertEquals(List.of(), problems);
        }
    }

    /**
     * Sets every chart to {@code arguments[0]} seconds of samples ending now, and once uPlot has laid it out
     * returns each chart's x labels and every pair of neighbouring labels whose boxes overlap. uPlot lays out
     * in a microtask after setData, so the measurement (a later microtask) runs in the same task: the page's
     * own poll cannot put its data back in between; the x range is checked all the same.
     */
    private static final String X_LABELS = "var span = arguments[0]; var done = arguments[arguments.length - 1];"
            + " var p = window.webreplDashboard.plots; var now = Math.floor(Date.now() / 1000); var xs = [];"
            + " for (var t = now - span; t <= now; t++) { xs.push(t); }"
            + " Object.keys(p).forEach(function (id) { var u = p[id];"
            + "   u.setData([xs].concat(u.series.slice(1).map(function (s, k) { return xs.map(function (x, i) { return (i * (k + 3)) % 11; }); })));"
            + " });"
            + " Promise.resolve().then(function () { return Promise.resolve(); }).then(function () {"
            + "   var labels = {}; var overlaps = []; var error = null;"
            + "   Object.keys(p).forEach(function (id) { var u = p[id]; var a = u.axes[0];"
            + "     if (u.scales.x.min !== xs[0] || u.scales.x.max !== xs[xs.length - 1]) { error = id + ' shows another range'; return; }"
            + "     u.ctx.font = a.font[0]; var boxes = [];"
            + "     a._splits.forEach(function (v, i) { var label = a._values[i];"
            + "       if (label == null || String(label) === '') { return; }"
            + "       var w = Math.max.apply(null, String(label).split('\\n').map(function (l) { return u.ctx.measureText(l).width; })) / devicePixelRatio;"
            + "       var x = u.valToPos(v, 'x'); boxes.push({label: String(label), left: x - w / 2, right: x + w / 2});"
            + "     });"
            + "     labels[id] = boxes.map(function (b) { return b.label; });"
            + "     for (var i = 0; i + 1 < boxes.length; i++) {"
            + "       if (boxes[i].right > boxes[i + 1].left) {"
            + "         overlaps.push(id + ': ' + JSON.stringify(boxes[i].label) + ' ends at ' + boxes[i].right.toFixed(1) + ', '"
            + "           + JSON.stringify(boxes[i + 1].label) + ' starts at ' + boxes[i + 1].left.toFixed(1));"
            + "       }"
            + "     }"
            + "   });"
            + "   done(error ? {error: error} : {labels: labels, overlaps: overlaps});"
            + " });";

    /** The charts whose y axis is narrower than its longest tick label, the tick, the gap and its title. */
    private static final String AXES_TOO_NARROW = "var p = window.webreplDashboard.plots; var narrow = [];"
            + " Object.keys(p).forEach(function (id) { var u = p[id]; var a = u.axes[1]; u.ctx.font = a.font[0];"
            + "   var longest = a._values.reduce(function (acc, v) { return v.length > acc.length ? v : acc; }, '');"
            + "   var need = a.ticks.size + a.gap + u.ctx.measureText(longest).width / devicePixelRatio + a.labelSize;"
            + "   if (a._size < need) { narrow.push(id + ': ' + a._size + ' < ' + need + ' for ' + longest); }"
            + " }); return narrow;";

    /** The largest value one series of a chart shows, or -1 before the page drew it. */
    private static double seriesMax(WebDriver driver, String chart, String series) {
        Object max = ((JavascriptExecutor) driver).executeScript("var c = window.webreplDashboard.charts[arguments[0]];"
                + " return c ? c.maxBySeries[arguments[1]] : -1;", chart, series);
        return ((Number) max).doubleValue();
    }

    /** The largest value a chart shows (its data-max), or -1 before the page drew it. */
    private static double max(WebDriver driver, String chart) {
        String max = driver.findElement(By.id(chart)).getAttribute("data-max");
        return max == null ? -1 : Double.parseDouble(max);
    }
}
