package dev.webrepl.testkit.browser;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A headless Chromium for browser tests, driven through the machine's own {@code chromedriver}
 * (Debian: {@code chromium} and {@code chromium-driver}). Both are looked up on the PATH, then in
 * {@code /usr/bin}; Selenium is handed their files, so Selenium Manager never looks for (or
 * downloads) a driver or a browser.
 *
 * <p>Without them the test is skipped, unless {@value #REQUIRE_PROPERTY}{@code =true} (as CI
 * sets it), where a missing browser fails the test instead of hiding it. {@link #close()} quits
 * the browser and stops the driver.
 */
public final class HeadlessChromium implements AutoCloseable {
    /** System property: {@code true} turns "no browser here" from a skip into a failure. */
    public static final String REQUIRE_PROPERTY = "webrepl.requireBrowser";
    private static final List<String> DRIVER_NAMES = List.of("chromedriver");
    private static final List<String> BROWSER_NAMES = List.of("chromium", "chromium-browser");
    private static final String WINDOW_SIZE = "1280,1024";

    private final ChromeDriverService service;
    private final ChromeDriver driver;

    private HeadlessChromium(ChromeDriverService service, ChromeDriver driver) {
        this.service = service;
        this.driver = driver;
    }

    /**
     * Starts the browser, or skips the calling test (fails it when {@value #REQUIRE_PROPERTY} is
     * {@code true}) if {@code chromedriver} or {@code chromium} cannot be found.
     */
    public static HeadlessChromium start() {
        return start(options -> { });
    }

    /**
     * As {@link #start()}, with {@code customize} applied to the options last (a download
     * directory, a test-only flag such as {@code --ignore-certificate-errors}).
     */
    public static HeadlessChromium start(Consumer<ChromeOptions> customize) {
        Optional<Path> driverFile = find(DRIVER_NAMES);
        Optional<Path> browserFile = find(BROWSER_NAMES);
        if (driverFile.isEmpty() || browserFile.isEmpty()) {
            String missing = (driverFile.isEmpty() ? "chromedriver " : "") + (browserFile.isEmpty() ? "chromium " : "");
            String message = "no headless browser: " + missing.strip() + " not found on the PATH or in /usr/bin"
                    + " (Debian: apt-get install chromium chromium-driver)";
            if (Boolean.getBoolean(REQUIRE_PROPERTY)) {
                Assertions.fail(message + "; -D" + REQUIRE_PROPERTY + "=true requires it");
            }
            Assumptions.abort(message);
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driverFile.get().toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions()
                .setBinary(browserFile.get().toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                        "--window-size=" + WINDOW_SIZE, "--no-first-run", "--no-default-browser-check");
        customize.accept(options);
        try {
            return new HeadlessChromium(service, new ChromeDriver(service, options));
        } catch (RuntimeException e) {
            service.stop();
            throw e;
        }
    }

    public WebDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            // quit() stops the service it started; stopping again is a no-op, and covers a failed quit.
            service.stop();
        }
    }

    private static Optional<Path> find(List<String> names) {
        List<Path> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        dirs.add(Path.of("/usr/bin"));
        for (String name : names) {
            for (Path dir : dirs) {
                Path candidate = dir.resolve(name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
