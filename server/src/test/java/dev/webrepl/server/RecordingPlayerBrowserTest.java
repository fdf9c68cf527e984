package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.metrics.AdminAccess;
import dev.webrepl.metrics.AdminOptions;
import dev.webrepl.metrics.AdminToken;
import dev.webrepl.metrics.audit.RecordingOptions;
import dev.webrepl.testkit.browser.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin listener's recording player in a real headless Chromium: the list shows the one
 * recording, its link opens the player, and played at 4x it draws in xterm.js exactly the screen
 * the session's terminal showed. Leaves a screenshot in {@code target/recording-player.png}.
 */
class RecordingPlayerBrowserTest {
    @TempDir
    Path dir;

    @Test
    void aRecordingPlaysBackIntoTheTerminalAsTheSessionShowedIt() throws Exception {
        try (MonitoredServer server = RecordingTest.server(dir, RecordingOptions.of(dir.resolve("recordings")))) {
            String output = RecordingTest.typeAndLeave(server);
            String session = server.recordings().list().get(0).session();
            try (HeadlessChromium chromium = HeadlessChromium.start()) {
                WebDriver driver = chromium.driver();
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
                driver.get("http://127.0.0.1:" + server.admin().port() + "/recordings/play");
                wait.until(d -> "listed".equals(state(d)));
                List<WebElement> rows = driver.findElements(By.cssSelector("#recording-table tbody tr"));
                assertEquals(1, rows.size());
                List<String> cells = rows.get(0).findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
                assertEquals(List.of("-", session), cells.subList(1, 3), cells.toString());
                rows.get(0).findElement(By.linkText("play")).click();

                wait.until(d -> "ready".equals(state(d)));
                assertEquals("webrepl session " + session + " (echo)", driver.findElement(By.id("title")).getText());
                new Select(driver.findElement(By.id("speed"))).selectByValue("4");
                driver.findElement(By.id("play")).click();
                wait.until(d -> "ended".equals(state(d)) && ((Number) ((JavascriptExecutor) d)
                        .executeScript("return window.webreplPlayer.pendingWrites")).intValue() == 0);

                // The session's screen: its output's lines (it wrote no escape sequence; the last is the prompt).
                String screen = String.join("\n", output.split("\r\n"));
                assertEquals(screen, ((JavascriptExecutor) driver).executeScript("return window.webreplPlayer.text()"));
                assertEquals(List.of(100L, 30L), ((JavascriptExecutor) driver)
                        .executeScript("return [window.webreplPlayer.term.cols, window.webreplPlayer.term.rows]"),
                        "the resize event was played");
                assertEquals("play again", driver.findElement(By.id("play")).getText());
                assertTrue(driver.findElement(By.id("download")).getAttribute("href").endsWith(".cast"));

                Path target = Path.of(System.getProperty("basedir", ".")).resolve("target");
                Files.createDirectories(target);
                Files.write(target.resolve("recording-player.png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
            }
        }
    }

    @Test
    void withAnAdminTokenThePageSendsTheOneInItsFragment() throws Exception {
        String token = "rec-5d2a";
        try (MonitoredServer server = RecordingTest.server(dir, RecordingOptions.of(dir.resolve("recordings")),
                AdminOptions.DEFAULTS.withPort(0).withAccess(AdminAccess.NONE.withToken(AdminToken.of(token))));
             HeadlessChromium chromium = HeadlessChromium.start()) {
            String output = RecordingTest.typeAndLeave(server);
            WebDriver driver = chromium.driver();
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
            String page = "http://127.0.0.1:" + server.admin().port() + "/recordings/play";
            driver.get(page);
            wait.until(d -> "error".equals(state(d)));
            assertEquals("cannot list recordings: HTTP 401: this server needs its admin token; open this page with #token=TOKEN",
                    driver.findElement(By.id("status")).getText());

            driver.get(page + "#token=" + token);
            driver.navigate().refresh();   // a fragment change alone does not reload the page
            wait.until(d -> "listed".equals(state(d)));
            driver.findElement(By.linkText("play")).click();   // the link keeps the fragment
            wait.until(d -> "ready".equals(state(d)));
            new Select(driver.findElement(By.id("speed"))).selectByValue("4");
            driver.findElement(By.id("play")).click();
            wait.until(d -> "ended".equals(state(d)) && ((Number) ((JavascriptExecutor) d)
                    .executeScript("return window.webreplPlayer.pendingWrites")).intValue() == 0);
            assertEquals(String.join("\n", output.split("\r\n")),
                    ((JavascriptExecutor) driver).executeScript("return window.webreplPlayer.text()"));
        }
    }

    private static String state(WebDriver driver) {
        return (String) ((JavascriptExecutor) driver).executeScript(
                "return window.webreplPlayer ? window.webreplPlayer.state : null");
    }
}
