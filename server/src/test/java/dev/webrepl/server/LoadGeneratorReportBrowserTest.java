package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.loadtest.generator.Millis;
import dev.webrepl.testkit.browser.HeadlessChromium;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * report.html of a short typing run, opened from its file in headless Chromium (offline, as a person
 * would open it): every chart is drawn. Leaves {@code target/bench-report.png} for the README.
 */
@Timeout(120)
class LoadGeneratorReportBrowserTest {
    @TempDir
    Path dir;

    @Test
    void reportDrawsEveryChartFromItsFile() throws Exception {
        Path report = dir.resolve("report");
        try (WebReplServer server = WebReplServer.start(
                ServerOptions.of(PasswordCheck.plain(LoadGeneratorTest.PASSWORD),
                        new FileStore(Files.createDirectories(dir.resolve("root")))).withPort(0),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom(), SessionConfig.DEFAULTS))) {
            LoadGeneratorTest.bench(report, server.port(), "--scenario", "typing", "--sessions", "8",
                    "--rate", "40", "--think", "100ms");
        }
        JsonNode latency = new ObjectMapper().readTree(report.resolve("report.json").toFile()).get("latency");
        List<String> expected = new ArrayList<>(List.of("corrected"));
        for (String p : List.of("p50", "p90", "p99", "p99.9", "max")) {
            expected.add(Millis.of(latency.get(p).asDouble()));
        }
        expected.add(latency.get("count").asText());
        try (HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(report.resolve("report.html").toUri().toString());
            new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> Boolean.TRUE.equals(
                    ((JavascriptExecutor) d).executeScript("return !!(window.benchReport && window.benchReport.drawn)")));
            assertEquals("webrepl bench report", driver.getTitle());
            for (String chart : LoadGeneratorTest.CHARTS) {
                assertEquals(1, driver.findElements(By.cssSelector("#" + chart + " canvas")).size(), chart + " is drawn");
            }
            assertTrue(driver.findElement(By.id("errors")).getText().contains("none"));
            // The latency row, in ms formatted by the page exactly as Millis.of formats them (the summary line).
            assertEquals(expected, driver.findElements(By.cssSelector("#latency td")).stream().map(WebElement::getText).toList());
            Path target = Path.of(System.getProperty("basedir", ".")).resolve("target");
            Files.createDirectories(target);
            Files.write(target.resolve("bench-report.png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        }
    }
}
