package dev.webrepl.server;

import static dev.webrepl.server.BrowserClientTest.awaitText;
import static dev.webrepl.server.BrowserClientTest.js;
import static dev.webrepl.server.BrowserClientTest.logIn;
import static dev.webrepl.server.BrowserClientTest.screenshot;
import static dev.webrepl.server.BrowserClientTest.text;
import static dev.webrepl.server.BrowserClientTest.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.testkit.browser.HeadlessChromium;
import dev.webrepl.transport.server.ServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The browser client's address, title and ways on (issue 17 items 1 and 4) in a real headless
 * Chromium: the address bar shows the session's own URL and a reload attaches to that session again;
 * a session that has ended says so and offers a new one; a wrong password can be typed again, and a
 * connection closed before the login can be tried again; the tab names the session and its engine; the icon is
 * served. Screenshots: {@code target/browser-reloaded.png}, {@code target/browser-session-ended.png}
 * and {@code target/browser-denied.png}.
 */
class BrowserSessionPageTest {
    private static final String PASSWORD = "pw";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void theAddressBarShowsTheSessionAndAReloadAttachesToItWithTheReplay() throws Exception {
        try (MonitoredServer server = start();
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            assertEquals("webrepl", driver.getTitle());
            logIn(driver, PASSWORD);
            String id = (String) js(driver, "return webrepl.sessionId");
            assertEquals(List.of(id), sessionIds(server));
            assertEquals("/session/" + id, js(driver, "return location.pathname"));
            assertEquals(url(server, "/session/" + id), driver.getCurrentUrl());
            awaitTitle(driver, id + " · echo · webrepl");
            type(driver, "x = 42" + Keys.ENTER);
            awaitText(driver, "\nx = 42\nx = 42\n>>>");

            driver.navigate().refresh();
            // A new page (its own terminal, from the password prompt on), the same address and session.
            assertEquals(List.of("connecting"), js(driver, "return webrepl.history.slice(0, 1)"));
            assertEquals(id + " · webrepl", driver.getTitle(), "named by its address before the login");
            logIn(driver, PASSWORD);
            assertEquals(id, js(driver, "return webrepl.sessionId"));
            assertEquals(url(server, "/session/" + id), driver.getCurrentUrl());
            assertEquals(List.of(id), sessionIds(server), "no new session");
            // The session's recent output, replayed after the session line: what was typed before the reload.
            awaitText(driver, "webrepl: session /session/" + id + "\nx = 42\nx = 42\n>>>");
            type(driver, "after reload" + Keys.ENTER);
            awaitText(driver, ">>> after reload\nafter reload\n>>>");
            assertEquals(List.of(id), sessionIds(server));

            // The icon: linked from the page and at /favicon.ico, each with its type.
            Object icons = ((JavascriptExecutor) driver).executeAsyncScript("""
                    const done = arguments[arguments.length - 1];
                    Promise.all([document.querySelector('link[rel=icon]').href, '/favicon.ico']
                        .map((u) => fetch(u).then((r) => r.status + ' ' + r.headers.get('content-type'))))
                      .then(done, (e) => done(String(e)));""");
            assertEquals(List.of("200 image/svg+xml", "200 image/x-icon"), icons);
            assertEquals(List.of(), js(driver, "return webrepl.violations"));
            screenshot(driver, "browser-reloaded.png");
        }
    }

    @Test
    void aSessionThatHasEndedSaysSoAndOffersANewOne() throws Exception {
        try (MonitoredServer server = start();
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            String id = (String) js(driver, "return webrepl.sessionId");
            awaitTitle(driver, id + " · echo · webrepl");
            Session session = server.server().sessions().find(id).orElseThrow();
            session.end(1000, "ended by an administrator", "ended");
            new WebDriverWait(driver, WAIT).until(d -> "disconnected".equals(js(d, "return webrepl.state")));
            assertEquals("New session", js(driver, "return webrepl.offer"));
            assertEquals("disconnected · " + id + " · echo · webrepl", driver.getTitle());

            // A reload of the session's address: the password, then the server's refusal, in words.
            driver.navigate().refresh();
            awaitText(driver, "Password: ");
            type(driver, PASSWORD + Keys.ENTER);
            new WebDriverWait(driver, WAIT).until(d -> "disconnected".equals(js(d, "return webrepl.state")));
            assertEquals("disconnected: session " + id + " has ended (or never existed)",
                    driver.findElement(By.id("status")).getText());
            awaitText(driver, "\nno such session: " + id + "\n\n[session " + id + " has ended (or never existed)]\n"
                    + "Press Enter (or \"New session\") to open a new session.\n");
            WebElement offer = driver.findElement(By.id("offer"));
            assertTrue(offer.isDisplayed());
            assertEquals("New session", offer.getText());
            assertEquals(List.of(), sessionIds(server), "the refused attach opened nothing");
            screenshot(driver, "browser-session-ended.png");

            offer.click();
            awaitNewPage(driver, url(server, "/"));
            logIn(driver, PASSWORD);
            String next = (String) js(driver, "return webrepl.sessionId");
            assertNotEquals(id, next);
            assertEquals(List.of(next), sessionIds(server));
            assertEquals("/session/" + next, js(driver, "return location.pathname"));
        }
    }

    @Test
    void aWrongPasswordCanBeTypedAgainOnANewConnection() throws Exception {
        try (MonitoredServer server = start();
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            awaitText(driver, "Password: ");
            type(driver, "wrong" + Keys.ENTER);
            new WebDriverWait(driver, WAIT).until(d -> "denied".equals(js(d, "return webrepl.state")));
            assertEquals("access denied: wrong password", driver.findElement(By.id("status")).getText());
            awaitText(driver,
                    "Password: \nAccess denied\nPress Enter (or \"Try again\") to type the password again.\n");
            assertEquals("denied · webrepl", driver.getTitle());
            WebElement offer = driver.findElement(By.id("offer"));
            assertTrue(offer.isDisplayed());
            assertEquals("Try again", offer.getText());
            screenshot(driver, "browser-denied.png");

            // The button: a new connection, whose server asks for the password again.
            offer.click();
            new WebDriverWait(driver, WAIT).until(d -> "password".equals(js(d, "return webrepl.state")));
            awaitPrompts(driver, 2);
            assertFalse(offer.isDisplayed());
            type(driver, "wrong again" + Keys.ENTER);
            new WebDriverWait(driver, WAIT).until(d -> "denied".equals(js(d, "return webrepl.state")));

            // Enter in the terminal does the same.
            type(driver, Keys.ENTER);
            new WebDriverWait(driver, WAIT).until(d -> "password".equals(js(d, "return webrepl.state")));
            awaitPrompts(driver, 3);
            logIn(driver, PASSWORD);
            String id = (String) js(driver, "return webrepl.sessionId");
            assertEquals(List.of(id), sessionIds(server));
            assertEquals(List.of("connecting", "password", "denied", "connecting", "password", "denied",
                    "connecting", "password", "connected"), js(driver, "return webrepl.history"));
            awaitTitle(driver, id + " · echo · webrepl");
            type(driver, "in" + Keys.ENTER);
            awaitText(driver, "webrepl: session /session/" + id + "\nin\nin\n>>>");
        }
    }

    @Test
    void aConnectionClosedBeforeTheLoginCanBeTriedAgain() throws Exception {
        try (MonitoredServer server = start();
             HeadlessChromium chromium = HeadlessChromium.start()) {
            // A draining server serves the page but refuses the new session's upgrade (HTTP 503).
            server.server().drain();
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            new WebDriverWait(driver, WAIT).until(d -> "disconnected".equals(js(d, "return webrepl.state")));
            assertEquals("Try again", js(driver, "return webrepl.offer"), "nothing to open anew: no session yet");
            awaitText(driver, "Press Enter (or \"Try again\") to connect again.\n");
            assertEquals(List.of(), sessionIds(server));

            server.server().sessions().undrain();
            type(driver, Keys.ENTER);
            logIn(driver, PASSWORD);
            String id = (String) js(driver, "return webrepl.sessionId");
            assertEquals(List.of(id), sessionIds(server));
            assertEquals("/session/" + id, js(driver, "return location.pathname"));
        }
    }

    private MonitoredServer start() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        return MonitoredServer.start(ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(root)).withPort(0),
                EchoEvaluator::engine, SessionConfig.DEFAULTS, null);
    }

    private static String url(MonitoredServer server, String path) {
        return "http://127.0.0.1:" + server.server().port() + path;
    }

    private static List<String> sessionIds(MonitoredServer server) {
        return server.server().sessions().sessions().stream().map(Session::id).toList();
    }

    /** Waits until the page that a click navigated to is at {@code url} and waiting for the password. */
    private static void awaitNewPage(WebDriver driver, String url) {
        new WebDriverWait(driver, WAIT).ignoring(WebDriverException.class)
                .withMessage(() -> "a new page at " + url + "; the browser is at " + driver.getCurrentUrl())
                .until(d -> url.equals(d.getCurrentUrl())
                        && "password".equals(js(d, "return window.webrepl ? webrepl.state : null")));
    }

    /** Waits until the tab's title is {@code title}: the engine's name comes with the session list, after the login. */
    private static void awaitTitle(WebDriver driver, String title) {
        new WebDriverWait(driver, WAIT).withMessage(() -> "the title " + title + "; it is " + driver.getTitle())
                .until(d -> title.equals(d.getTitle()));
    }

    /** Waits until the terminal has shown the password prompt {@code n} times. */
    private static void awaitPrompts(WebDriver driver, int n) {
        new WebDriverWait(driver, WAIT).withMessage(() -> n + " password prompts; the terminal has:\n" + text(driver))
                .until(d -> text(d).split("Password: ", -1).length - 1 == n);
    }
}
