package dev.webrepl.server;

import static dev.webrepl.server.BrowserClientTest.js;
import static dev.webrepl.server.BrowserClientTest.logIn;
import static dev.webrepl.server.BrowserClientTest.screenshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.testkit.browser.HeadlessChromium;
import dev.webrepl.transport.server.ServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The browser client's layout (issue #17, item 2) in a real headless Chromium: at each window size the
 * terminal shows whole rows inside the window below the header, leaves less than a row unused below,
 * and the page has no scrollbar; on a narrow window the files panel folds away (a button opens it).
 * Read from xterm's geometry (rows, columns, the screen element's box) and the window's. Screenshots go
 * to {@code target/browser-layout-WIDTHxHEIGHT.png}.
 */
class BrowserLayoutTest {
    private static final String PASSWORD = "pw";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int NARROW_COLUMNS = 40;

    @TempDir
    Path dir;

    @Test
    void theTerminalFitsAt1280x800() throws Exception {
        loadsAndFits(1280, 800);
    }

    @Test
    void theTerminalFitsAt1366x768() throws Exception {
        loadsAndFits(1366, 768);
    }

    @Test
    void theTerminalFitsAt1920x1080() throws Exception {
        loadsAndFits(1920, 1080);
    }

    @Test
    void onANarrowWindowTheFilesPanelFoldsAwayAndAButtonOpensIt() throws Exception {
        try (MonitoredServer server = start();
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = open(chromium, server, 420, 800);
            Geometry folded = fits(driver, 420, 800);
            assertFalse(folded.filesShown(), "the panel is folded: " + folded);
            assertTrue(folded.columns() >= NARROW_COLUMNS, "at least " + NARROW_COLUMNS + " columns: " + folded);
            assertEquals("false", toggle(driver).getAttribute("aria-expanded"));
            screenshot(driver, "browser-layout-420x800.png");

            // Opened, the panel lies over the terminal, which keeps its size (no resize of the session's pty).
            toggle(driver).click();
            Geometry opened = fits(driver, 420, 800);
            assertTrue(opened.filesShown(), opened.toString());
            assertEquals("true", toggle(driver).getAttribute("aria-expanded"));
            assertEquals(folded.columns(), opened.columns());
            assertEquals(folded.rows(), opened.rows());
            assertTrue(driver.findElement(By.id("upload-button")).isDisplayed());
            screenshot(driver, "browser-layout-420x800-files.png");

            toggle(driver).click();
            Geometry again = fits(driver, 420, 800);
            assertFalse(again.filesShown(), again.toString());
            assertEquals("false", toggle(driver).getAttribute("aria-expanded"));

            // Widened past the fold, the panel is beside the terminal again; narrowed, it folds.
            resize(driver, 1280, 800);
            Geometry wide = fits(driver, 1280, 800);
            assertTrue(wide.filesShown(), wide.toString());
            assertTrue(wide.right() <= wide.filesLeft(), "the panel is beside the terminal: " + wide);
            resize(driver, 420, 800);
            Geometry narrow = fits(driver, 420, 800);
            assertFalse(narrow.filesShown(), narrow.toString());
            assertEquals(folded.columns(), narrow.columns());
        }
    }

    @Test
    void theTerminalStillFitsAfterTheWindowResizes() throws Exception {
        try (MonitoredServer server = start();
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = open(chromium, server, 1366, 768);
            Geometry before = fits(driver, 1366, 768);
            resize(driver, 1000, 611);
            Geometry after = fits(driver, 1000, 611);
            assertTrue(after.rows() < before.rows() && after.columns() < before.columns(), before + " then " + after);
            assertEquals(Map.of("columns", (long) after.columns(), "rows", (long) after.rows()),
                    js(driver, "return webrepl.size"));
            screenshot(driver, "browser-layout-1000x611.png");
        }
    }

    private void loadsAndFits(int width, int height) throws Exception {
        try (MonitoredServer server = start();
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = open(chromium, server, width, height);
            Geometry g = fits(driver, width, height);
            assertTrue(g.filesShown(), "a wide window shows the files panel: " + g);
            assertTrue(g.right() <= g.filesLeft(), "the panel is beside the terminal: " + g);
            assertEquals("true", toggle(driver).getAttribute("aria-expanded"));
            screenshot(driver, "browser-layout-" + width + "x" + height + ".png");
        }
    }

    /** A window whose page area is {@code width} x {@code height}, logged in to a new session. */
    private static WebDriver open(HeadlessChromium chromium, MonitoredServer server, int width, int height) {
        WebDriver driver = chromium.driver();
        resize(driver, width, height);
        driver.get("http://127.0.0.1:" + server.server().port() + "/");
        logIn(driver, PASSWORD);
        return driver;
    }

    /**
     * Sizes the window so that its page area (innerWidth x innerHeight) is {@code width} x {@code height}:
     * headless Chromium's window has a frame of its own around the page, measured first.
     */
    static void resize(WebDriver driver, int width, int height) {
        Dimension window = driver.manage().window().getSize();
        int frameWidth = window.getWidth() - ((Number) js(driver, "return innerWidth")).intValue();
        int frameHeight = window.getHeight() - ((Number) js(driver, "return innerHeight")).intValue();
        driver.manage().window().setSize(new Dimension(width + frameWidth, height + frameHeight));
        new WebDriverWait(driver, WAIT).withMessage(() -> "the page area is " + js(driver, "return [innerWidth, innerHeight]"))
                .until(d -> Long.valueOf(width).equals(js(d, "return innerWidth"))
                        && Long.valueOf(height).equals(js(d, "return innerHeight")));
    }

    private static org.openqa.selenium.WebElement toggle(WebDriver driver) {
        return driver.findElement(By.id("files-toggle"));
    }

    /**
     * Waits two frames (layout and resize observers have run, and xterm has rendered), reads the geometry
     * and asserts that the terminal fits the window of {@code width} x {@code height}.
     */
    static Geometry fits(WebDriver driver, int width, int height) {
        ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                requestAnimationFrame(() => requestAnimationFrame(() => done()));""");
        Map<?, ?> m = (Map<?, ?>) js(driver, """
                const screen = document.querySelector('#terminal .xterm-screen').getBoundingClientRect();
                const header = document.querySelector('header').getBoundingClientRect();
                const files = document.getElementById('files');
                const filesBox = files.getBoundingClientRect();
                const root = document.documentElement;
                return {
                  rows: webrepl.size.rows, columns: webrepl.size.columns,
                  top: screen.top, bottom: screen.bottom, left: screen.left, right: screen.right,
                  headerBottom: header.bottom, innerWidth: innerWidth, innerHeight: innerHeight,
                  scrollWidth: root.scrollWidth, scrollHeight: root.scrollHeight,
                  filesShown: filesBox.width > 0 && getComputedStyle(files).visibility !== 'hidden',
                  filesLeft: filesBox.left,
                };""");
        Geometry g = new Geometry(num(m, "rows"), num(m, "columns"), num(m, "top"), num(m, "bottom"), num(m, "left"),
                num(m, "right"), num(m, "headerBottom"), num(m, "innerWidth"), num(m, "innerHeight"),
                num(m, "scrollWidth"), num(m, "scrollHeight"), Boolean.TRUE.equals(m.get("filesShown")), num(m, "filesLeft"));
        assertEquals(width, (int) g.innerWidth(), g.toString());
        assertEquals(height, (int) g.innerHeight(), g.toString());
        double rowHeight = (g.bottom() - g.top()) / g.rows();
        assertTrue(g.top() >= g.headerBottom(), "the top row is below the header: " + g);
        assertTrue(g.bottom() <= g.innerHeight(), "the bottom row is inside the window: " + g);
        assertTrue(g.innerHeight() - g.bottom() < rowHeight, "less than a row unused below: " + g);
        assertTrue(g.left() >= 0 && g.right() <= g.innerWidth(), "every column is inside the window: " + g);
        assertTrue(g.scrollWidth() <= g.innerWidth() && g.scrollHeight() <= g.innerHeight(), "no scrollbar: " + g);
        return g;
    }

    private static double num(Map<?, ?> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }

    /** What {@link #fits} reads: xterm's rows and columns, its screen's box, the header's and window's. */
    record Geometry(double rowsRead, double columnsRead, double top, double bottom, double left, double right,
                            double headerBottom, double innerWidth, double innerHeight, double scrollWidth,
                            double scrollHeight, boolean filesShown, double filesLeft) {
        int rows() {
            return (int) rowsRead;
        }

        int columns() {
            return (int) columnsRead;
        }
    }

    private MonitoredServer start() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        return MonitoredServer.start(ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(root)).withPort(0),
                EchoEvaluator::engine, SessionConfig.DEFAULTS, null);
    }
}
