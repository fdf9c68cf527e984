package dev.webrepl.server;

import static dev.webrepl.server.BrowserClientTest.awaitText;
import static dev.webrepl.server.BrowserClientTest.js;
import static dev.webrepl.server.BrowserClientTest.logIn;
import static dev.webrepl.server.BrowserClientTest.screenshot;
import static dev.webrepl.server.BrowserClientTest.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.TerminalMode;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.testkit.browser.HeadlessChromium;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.ServerOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.FluentWait;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page's session list (issue 17 items 5 and 4) in a real headless Chromium: a read-write page lists
 * the sessions with engine, age and terminals, its own marked; a click opens another in the page (its
 * replay, its address; Back returns); the title names the session and its engine; a viewer's page has no
 * list; the panel fits at 1280x800, 1366x768, 1920x1080 and 420x800. Screenshots:
 * {@code target/browser-sessions.png}, {@code target/browser-sessions-opened.png} and
 * {@code target/browser-sessions-WIDTHxHEIGHT.png}.
 */
class BrowserSessionListTest {
    private static final String PASSWORD = "pw";
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** The second session's engine kind: markup, which the page must show as text. */
    private static final String MARKUP_KIND = "<b>py</b>&amp;";

    @TempDir
    Path dir;
    private final WebReplClient client = WebReplClient.newClient();
    private final List<ReplConnection> connections = new ArrayList<>();

    @AfterEach
    void closeClient() {
        connections.forEach(ReplConnection::close);
        client.close();
    }

    @Test
    void theListShowsBothSessionsAndAClickOpensTheOtherWithItsReplay() throws Exception {
        try (MonitoredServer server = start();
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            String one = (String) js(driver, "return webrepl.sessionId");
            type(driver, "in one" + Keys.ENTER);
            awaitText(driver, "\nin one\nin one\n>>>");
            new WebDriverWait(driver, WAIT).until(d -> "echo".equals(js(d, "return webrepl.engine")));
            assertEquals(one + " · echo · webrepl", driver.getTitle());

            // A second session, with a second read-write terminal and a viewer, and some output.
            String two = openSecondSession(server, Set.of(one));
            attach(server, two, "");
            attach(server, two, "?mode=view");
            await(server, two, 2, 1);

            WebElement toggle = driver.findElement(By.id("sessions-toggle"));
            assertTrue(toggle.isDisplayed());
            toggle.click();
            List<Map<String, Object>> entries = awaitListed(driver, 2);
            Map<String, Object> first = entries.get(0);
            Map<String, Object> second = entries.get(1);
            assertEquals(List.of(one, "echo", 1L, 0L, true),
                    List.of(first.get("id"), first.get("engine"), first.get("terminals"), first.get("viewers"),
                            first.get("current")));
            assertEquals(List.of(two, MARKUP_KIND, 2L, 1L, false),
                    List.of(second.get("id"), second.get("engine"), second.get("terminals"), second.get("viewers"),
                            second.get("current")));
            assertEquals(created(server, one), ((Number) first.get("created")).longValue());

            List<WebElement> rows = driver.findElements(By.cssSelector("#session-list li"));
            assertEquals(List.of(one, two), rows.stream().map(r -> r.getAttribute("data-id")).toList());
            assertEquals(one.substring(0, 8) + "…", rows.get(0).findElement(By.className("session-id")).getText());
            assertEquals(MARKUP_KIND, rows.get(1).findElement(By.className("session-engine")).getText());
            assertTrue(driver.findElements(By.cssSelector("#session-list b")).isEmpty(), "an engine name is never markup");
            assertTrue(rows.get(0).findElement(By.className("session-info")).getText()
                    .matches("opened \\d+ s ago · 1 terminal · this session"), rows.get(0).getText());
            assertTrue(rows.get(1).findElement(By.className("session-info")).getText()
                    .matches("opened \\d+ s ago · 2 terminals \\+ 1 viewer"), rows.get(1).getText());
            assertEquals("true", rows.get(0).getAttribute("aria-current"));
            assertFalse(rows.get(0).findElement(By.className("session-id")).isEnabled(), "this page's session");
            assertEquals("2 sessions", driver.findElement(By.id("sessions-status")).getText());
            screenshot(driver, "browser-sessions.png");

            // A click: the other session in this page, its replay, its address, its title.
            rows.get(1).findElement(By.className("session-id")).click();
            awaitAttached(driver, two);
            awaitText(driver, "in two\nin two\n>>>");
            assertTrue(BrowserClientTest.text(driver).startsWith("in two\nin two\n>>>"),
                    "the screen was cleared for the replay:\n" + BrowserClientTest.text(driver));
            assertEquals(url(server, "/session/" + two), driver.getCurrentUrl());
            new WebDriverWait(driver, WAIT).until(d -> MARKUP_KIND.equals(js(d, "return webrepl.engine")));
            assertEquals(two + " · " + MARKUP_KIND + " · webrepl", driver.getTitle());
            type(driver, "typed in two" + Keys.ENTER);
            awaitText(driver, ">>> typed in two\ntyped in two\n>>>");
            await(server, two, 3, 1);
            await(server, one, 0, 0);
            entries = awaitListed(driver, 2);
            assertEquals(List.of(false, true), entries.stream().map(e -> e.get("current")).toList(),
                    "listed again on the new connection: " + entries);
            screenshot(driver, "browser-sessions-opened.png");

            // Back: the first session again, which lingered meanwhile, with its replay.
            driver.navigate().back();
            awaitAttached(driver, one);
            awaitText(driver, "in one\nin one\n>>>");
            assertTrue(BrowserClientTest.text(driver).startsWith("in one\nin one\n>>>"), BrowserClientTest.text(driver));
            assertEquals(url(server, "/session/" + one), driver.getCurrentUrl());
            assertEquals(List.of(), js(driver, "return webrepl.violations"));
        }
    }

    @Test
    void aViewerPageHasNoSessionsButtonAndItsTitleSaysViewOnly() throws Exception {
        try (MonitoredServer server = start();
             HeadlessChromium chromium = HeadlessChromium.start()) {
            String id = openSecondSession(server, Set.of());
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/session/" + id + "?mode=view"));
            logIn(driver, PASSWORD);
            new WebDriverWait(driver, WAIT).until(d -> !((List<?>) js(d, "return webrepl.features")).isEmpty());
            assertTrue((Boolean) js(driver, "return webrepl.features.includes('sessions')"));
            assertFalse(driver.findElement(By.id("sessions-toggle")).isDisplayed());
            assertFalse(driver.findElement(By.id("sessions")).isDisplayed());
            assertEquals(id + " (view only) · webrepl", driver.getTitle());
        }
    }

    @Test
    void thePanelFitsAtEveryWindowSize() throws Exception {
        try (MonitoredServer server = start();
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            BrowserLayoutTest.resize(driver, 1280, 800);
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            String one = (String) js(driver, "return webrepl.sessionId");
            openSecondSession(server, Set.of(one));
            for (int[] size : new int[][] {{1280, 800}, {1366, 768}, {1920, 1080}, {420, 800}}) {
                int width = size[0];
                int height = size[1];
                BrowserLayoutTest.resize(driver, width, height);
                WebElement toggle = driver.findElement(By.id("sessions-toggle"));
                if (driver.findElement(By.id("sessions")).isDisplayed()) {
                    toggle.click();
                }
                BrowserLayoutTest.Geometry before = BrowserLayoutTest.fits(driver, width, height);
                // Closed, the files panel is back as it was: beside the terminal on wide windows, folded on narrow.
                assertEquals(width >= 800, before.filesShown(), width + "x" + height + ": " + before);
                assertEquals("false", toggle.getAttribute("aria-expanded"));
                toggle.click();
                awaitListed(driver, 2);
                assertEquals("true", toggle.getAttribute("aria-expanded"));
                BrowserLayoutTest.Geometry g = BrowserLayoutTest.fits(driver, width, height);
                Map<?, ?> panel = (Map<?, ?>) js(driver, """
                        const p = document.getElementById('sessions').getBoundingClientRect();
                        const el = document.getElementById('sessions');
                        const rows = [...document.querySelectorAll('#session-list li')].map((li) => li.getBoundingClientRect());
                        return { left: p.left, right: p.right, top: p.top, bottom: p.bottom,
                          header: document.querySelector('header').getBoundingClientRect().bottom,
                          overflow: el.scrollWidth - el.clientWidth,
                          rowsInside: rows.every((r) => r.left >= p.left && r.right <= p.right),
                          filesShown: !document.getElementById('files').hidden };""");
                String where = width + "x" + height + ": " + panel + " " + g;
                assertTrue(num(panel, "left") >= 0 && num(panel, "right") <= width, where);
                assertTrue(num(panel, "top") >= num(panel, "header") && num(panel, "bottom") <= height, where);
                assertEquals(0.0, num(panel, "overflow"), "no sideways scrolling in the panel: " + where);
                assertEquals(Boolean.TRUE, panel.get("rowsInside"), where);
                // One panel at a time: the files panel folds while the list is open, and the terminal keeps
                // its size (beside the panel on wide windows, under it on narrow ones).
                assertEquals(Boolean.FALSE, panel.get("filesShown"), where);
                assertEquals(before.columns(), g.columns(), where);
                assertEquals(before.rows(), g.rows(), where);
                if (width >= 800) {
                    assertTrue(g.right() <= num(panel, "left"), "the panel is beside the terminal: " + where);
                }
                screenshot(driver, "browser-sessions-" + width + "x" + height + ".png");
            }
        }
    }

    private static double num(Map<?, ?> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }

    /** Opens a session with the Java client, types a line into it, and returns its id. */
    private String openSecondSession(MonitoredServer server, Set<String> known) {
        ReplConnection c = client.connect("127.0.0.1", server.server().port(), PASSWORD).join();
        connections.add(c);
        StringBuffer out = new StringBuffer();
        c.output().subscribe(b -> out.append(new String(b, StandardCharsets.UTF_8)));
        // The login's answer comes before the session opens (the reference's order).
        until("a new session", () -> server.server().sessions().size() == known.size() + 1);
        String id = server.server().sessions().sessions().stream().map(Session::id)
                .filter(s -> !known.contains(s)).findFirst().orElseThrow();
        c.send("in two\r").join();
        until("the line echoed: " + out, () -> out.toString().contains("in two\r\n>>> "));
        return id;
    }

    /** Polls {@code condition} (server state, which has no signal of its own) for up to {@link #WAIT}. */
    private static void until(String what, BooleanSupplier condition) {
        new FluentWait<>(condition).withTimeout(WAIT).pollingEvery(Duration.ofMillis(20)).withMessage(what)
                .until(BooleanSupplier::getAsBoolean);
    }

    private void attach(MonitoredServer server, String id, String query) {
        ReplConnection c = client.connectPath("127.0.0.1", server.server().port(), "/session/" + id + query).join();
        connections.add(c);
        c.login(PASSWORD).join();
    }

    private static void await(MonitoredServer server, String id, int terminals, int viewers) {
        Session s = server.server().sessions().find(id).orElseThrow();
        until("session " + id + " with " + terminals + " + " + viewers + " terminals",
                () -> s.terminals() == terminals + viewers && s.terminals(TerminalMode.VIEW) == viewers);
    }

    private static long created(MonitoredServer server, String id) {
        return server.server().sessions().find(id).orElseThrow().created().toEpochMilli();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> awaitListed(WebDriver driver, int n) {
        new WebDriverWait(driver, WAIT).withMessage(() -> n + " sessions listed: " + js(driver, "return webrepl.sessions"))
                .until(d -> Boolean.TRUE.equals(js(d, "const s = webrepl.sessions; return s.busy === 0 && s.shown"
                        + " && s.entries.length === " + n + " && s.entries.some((e) => e.current && e.id === webrepl.sessionId)")));
        return (List<Map<String, Object>>) js(driver, "return webrepl.sessions.entries");
    }

    private static void awaitAttached(WebDriver driver, String id) {
        new WebDriverWait(driver, WAIT).withMessage(() -> "attached to " + id + ": " + js(driver, "return [webrepl.state, webrepl.sessionId]"))
                .until(d -> "connected".equals(js(d, "return webrepl.state")) && id.equals(js(d, "return webrepl.sessionId")));
    }

    private MonitoredServer start() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        // The first session's engine says "echo", every later one a kind made of markup.
        AtomicInteger made = new AtomicInteger();
        Supplier<ReplEngine> engines = () -> made.getAndIncrement() == 0 ? EchoEvaluator.engine()
                : new Kind(EchoEvaluator.engine(), MARKUP_KIND);
        return MonitoredServer.start(ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(root)).withPort(0),
                engines, SessionConfig.DEFAULTS, null);
    }

    private static String url(MonitoredServer server, String path) {
        return "http://127.0.0.1:" + server.server().port() + path;
    }

    /** An engine under another kind. */
    private static final class Kind extends ForwardingEngine {
        private final String kind;

        Kind(ReplEngine engine, String kind) {
            super(engine);
            this.kind = kind;
        }

        @Override
        public String kind() {
            return kind;
        }
    }
}
