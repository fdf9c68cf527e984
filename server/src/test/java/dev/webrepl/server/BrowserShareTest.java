package dev.webrepl.server;

import static dev.webrepl.server.BrowserClientTest.awaitText;
import static dev.webrepl.server.BrowserClientTest.js;
import static dev.webrepl.server.BrowserClientTest.logIn;
import static dev.webrepl.server.BrowserClientTest.screenshot;
import static dev.webrepl.server.BrowserClientTest.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.core.users.Tenancy;
import dev.webrepl.core.users.UserDirectory;
import dev.webrepl.core.users.UserRoots;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.testkit.browser.HeadlessChromium;
import dev.webrepl.transport.server.ServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page's Share button (README "Users") in real headless Chromium: the owner makes a link, another
 * user opens it, logs in as themselves and types into the owner's session. Screenshot:
 * {@code target/browser-share.png}.
 */
class BrowserShareTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void theShareButtonMakesALinkAnotherUserOpensAndTypesThrough() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path users = Files.writeString(dir.resolve("users"), "ann:ann-pw\nbob:bob-pw\n");
        Tenancy tenancy = new Tenancy(UserDirectory.load(users, new SecureRandom()), new UserRoots(root.toRealPath(), 0), 10);
        try (MonitoredServer server = MonitoredServer.start(ServerOptions.of(entry -> false, new FileStore(root))
                        .withPort(0).withTenancy(tenancy), EchoEvaluator::engine, SessionConfig.DEFAULTS, null);
             HeadlessChromium annsBrowser = HeadlessChromium.start();
             HeadlessChromium bobsBrowser = HeadlessChromium.start()) {
            String base = "http://127.0.0.1:" + server.server().port();
            WebDriver ann = annsBrowser.driver();
            ann.get(base + "/");
            logIn(ann, "ann:ann-pw");
            String id = (String) js(ann, "return webrepl.sessionId");
            new WebDriverWait(ann, WAIT).until(d -> Boolean.FALSE.equals(js(d, "return document.getElementById('share-bar').hidden")));
            ann.findElement(By.id("share-rw")).click();
            new WebDriverWait(ann, WAIT).until(d -> !((String) js(d, "return document.getElementById('share-link').value")).isEmpty());
            String link = (String) js(ann, "return document.getElementById('share-link').value");
            assertTrue(link.matches(java.util.regex.Pattern.quote(base + "/session/" + id) + "\\?share=[0-9a-f]{32}"), link);
            screenshot(ann, "browser-share.png");

            WebDriver bob = bobsBrowser.driver();
            bob.get(link);
            logIn(bob, "bob:bob-pw");
            assertEquals(id, js(bob, "return webrepl.sessionId"));
            assertEquals(Boolean.TRUE, js(bob, "return document.getElementById('share-bar').hidden"),
                    "a terminal that came through a share does not share");
            type(bob, "from bob" + Keys.ENTER);
            awaitText(ann, "from bob\nfrom bob\n>>>");
            awaitText(bob, "from bob\nfrom bob\n>>>");
        }
    }
}
