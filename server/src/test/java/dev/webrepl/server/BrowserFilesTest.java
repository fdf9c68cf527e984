package dev.webrepl.server;

import static dev.webrepl.server.BrowserClientTest.js;
import static dev.webrepl.server.BrowserClientTest.logIn;
import static dev.webrepl.server.BrowserClientTest.screenshot;
import static dev.webrepl.server.BrowserClientTest.transferStates;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page's files panel (issue 17 item 3) in a real headless Chromium: the shown directory as a list
 * (LIST), a click downloads, uploads by picker and by drop go into the shown directory, and rename,
 * delete and make-directory change the disk and the list. Screenshots: {@code target/browser-dir-list.png},
 * {@code target/browser-dir-changes.png}.
 */
class BrowserFilesTest {
    private static final String PASSWORD = "pw";
    private static final Duration WAIT = Duration.ofSeconds(20);
    // A name as markup ('/' cannot be in a name): it must show literally, entity and tags included.
    private static final String MARKUP_NAME = "<b>x&lt;<img src=x onerror=alert(1)>.txt";

    @TempDir
    Path dir;

    @Test
    void theListShowsTheRootLiterallyAClickDownloadsAndDirectoriesOpen() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        byte[] data = new byte[100_000];                 // two GET chunks
        new Random(17).nextBytes(data);
        Files.write(root.resolve("a.bin"), data);
        Files.writeString(root.resolve(MARKUP_NAME), "markup\n");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/inner.txt"), "inner\n");
        try (MonitoredServer server = start(root);
             HeadlessChromium chromium = HeadlessChromium.start(options -> options.setExperimentalOption("prefs",
                     Map.of("download.default_directory", downloads.toString(),
                             "download.prompt_for_download", false)))) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);

            // Exactly the root's entries, in the server's order (by bytes), the markup name as text.
            awaitEntries(driver, "/", List.of(MARKUP_NAME, "a.bin", "sub"));
            assertEquals(List.of(MARKUP_NAME, "a.bin", "sub/"), shownNames(driver));
            assertTrue(driver.findElements(By.cssSelector("#dir-list b, #dir-list img")).isEmpty(), "a name is never markup");
            assertEquals(List.of("7 B", "98 KiB", "directory"), driver.findElements(By.cssSelector("#dir-list .entry-size"))
                    .stream().map(WebElement::getText).toList());
            screenshot(driver, "browser-dir-list.png");

            // A click on a file downloads exactly its bytes.
            entry(driver, "a.bin").click();
            Path downloaded = downloads.resolve("a.bin");
            new WebDriverWait(driver, WAIT).until(d -> Files.exists(downloaded) && sizeOf(downloaded) == data.length);
            assertArrayEquals(data, Files.readAllBytes(downloaded));
            assertEquals("downloaded /a.bin", status(driver));

            // Into a directory and up again.
            entry(driver, "sub/").click();
            awaitEntries(driver, "/sub", List.of("inner.txt"));
            assertEquals("/sub", driver.findElement(By.id("dir-path")).getText());
            driver.findElement(By.id("dir-up")).click();
            awaitEntries(driver, "/", List.of(MARKUP_NAME, "a.bin", "sub"));
            assertFalse(driver.findElement(By.id("dir-up")).isEnabled(), "no parent above the root");
        }
    }

    @Test
    void uploadsByPickerAndByDropLandInTheShownDirectoryAndAFailureClearsItsBar() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("sub"));
        byte[] picked = new byte[150_000];               // several PUT frames
        new Random(18).nextBytes(picked);
        Path local = Files.write(Files.createDirectories(dir.resolve("local")).resolve("picked.bin"), picked);
        Path clash = Files.writeString(Files.createDirectories(dir.resolve("other")).resolve("sub"), "not a directory\n");
        try (MonitoredServer server = start(root); HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            awaitEntries(driver, "/", List.of("sub"));

            entry(driver, "sub/").click();
            awaitEntries(driver, "/sub", List.of());
            driver.findElement(By.id("upload-input")).sendKeys(local.toString());
            driver.findElement(By.id("upload-button")).click();
            awaitEntries(driver, "/sub", List.of("picked.bin"));
            assertArrayEquals(picked, Files.readAllBytes(root.resolve("sub/picked.bin")));
            assertEquals("uploaded /sub/picked.bin", status(driver));

            // A drop on the panel: the browser's own drop event, with a file made in the page.
            js(driver, """
                    const bytes = new Uint8Array(70000);
                    for (let i = 0; i < bytes.length; i++) { bytes[i] = (i * 7 + 3) & 0xff; }
                    const dt = new DataTransfer();
                    dt.items.add(new File([bytes], 'dropped.bin'));
                    document.getElementById('files').dispatchEvent(
                      new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));""");
            awaitEntries(driver, "/sub", List.of("dropped.bin", "picked.bin"));
            byte[] dropped = new byte[70_000];
            for (int i = 0; i < dropped.length; i++) {
                dropped[i] = (byte) (i * 7 + 3);
            }
            assertArrayEquals(dropped, Files.readAllBytes(root.resolve("sub/dropped.bin")));

            // A refused upload (a file onto the directory /sub) says why in words and leaves no bar.
            driver.findElement(By.id("dir-up")).click();
            awaitEntries(driver, "/", List.of("sub"));
            driver.findElement(By.id("upload-input")).sendKeys(clash.toString());
            driver.findElement(By.id("upload-button")).click();
            new WebDriverWait(driver, WAIT).until(d -> status(d).equals("upload of /sub failed: is a directory (21)"));
            WebElement failed = driver.findElement(By.cssSelector("#transfers li:first-child"));
            assertEquals("put /sub\nfailed: is a directory (21)", failed.getText());
            assertTrue(failed.findElements(By.tagName("progress")).isEmpty(), "a failed transfer clears its bar");
            assertTrue(Files.isDirectory(root.resolve("sub")));
            assertEquals(2, driver.findElements(By.cssSelector("#transfers progress")).size(), "the finished ones keep theirs");
        }
    }

    @Test
    void aFailedDownloadSaysWhyInWordsAndClearsItsBar() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        Files.writeString(root.resolve("gone.txt"), "deleted after the listing\n");
        Files.writeString(root.resolve("kept.txt"), "kept\n");
        Path outside = Files.writeString(dir.resolve("secret.txt"), "outside the root\n");
        Files.createSymbolicLink(root.resolve("link.txt"), outside);
        try (MonitoredServer server = start(root);
             HeadlessChromium chromium = HeadlessChromium.start(options -> options.setExperimentalOption("prefs",
                     Map.of("download.default_directory", downloads.toString(),
                             "download.prompt_for_download", false)))) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            awaitEntries(driver, "/", List.of("gone.txt", "kept.txt", "link.txt"));

            // A file deleted between the listing and the click: 2, in words, and its row has no bar.
            Files.delete(root.resolve("gone.txt"));
            entry(driver, "gone.txt").click();
            new WebDriverWait(driver, WAIT).until(d -> status(d).equals("download of /gone.txt failed: no such file or directory (2)"));
            assertEquals("error", driver.findElement(By.id("file-status")).getAttribute("class"));
            WebElement gone = driver.findElement(By.cssSelector("#transfers li:first-child"));
            assertEquals("get /gone.txt\nfailed: no such file or directory (2)", gone.getText());
            assertTrue(gone.findElements(By.tagName("progress")).isEmpty(), "a failed download clears its bar");

            // A GET through a link is refused (13): named by hand, the same words and no bar.
            WebElement name = driver.findElement(By.id("download-name"));
            name.sendKeys("/link.txt");
            driver.findElement(By.id("download-button")).click();
            new WebDriverWait(driver, WAIT).until(d -> status(d).equals("download of /link.txt failed: permission denied (13)"));
            WebElement link = driver.findElement(By.cssSelector("#transfers li:first-child"));
            assertEquals("get /link.txt\nfailed: permission denied (13)", link.getText());
            assertTrue(link.findElements(By.tagName("progress")).isEmpty(), "a refused download clears its bar");
            assertEquals(0, driver.findElements(By.cssSelector("#transfers progress")).size(), "no bar is left at all");
            assertEquals(List.of("failed", "failed"), transferStates(driver));
            try (var left = Files.list(downloads)) {
                assertEquals(List.of(), left.toList(), "nothing was saved");
            }

            // The session goes on: the next download works.
            entry(driver, "kept.txt").click();
            Path kept = downloads.resolve("kept.txt");
            new WebDriverWait(driver, WAIT).until(d -> Files.exists(kept) && sizeOf(kept) == 5);
            assertEquals("downloaded /kept.txt", status(driver));
            assertEquals(1, driver.findElements(By.cssSelector("#transfers progress")).size());
            screenshot(driver, "browser-download-failed.png");
        }
    }

    @Test
    void makeDirectoryRenameAndDeleteChangeTheDiskAndTheList() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("a.txt"), "a\n");
        Files.createDirectories(root.resolve("full"));
        Files.writeString(root.resolve("full/keep.txt"), "keep\n");
        try (MonitoredServer server = start(root); HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            awaitEntries(driver, "/", List.of("a.txt", "full"));

            driver.findElement(By.id("mkdir-button")).click();
            answer(driver, "made");
            awaitEntries(driver, "/", List.of("a.txt", "full", "made"));
            assertTrue(Files.isDirectory(root.resolve("made")));
            assertEquals("made directory /made", status(driver));

            action(driver, "a.txt", "Rename").click();
            answer(driver, "b.txt");
            awaitEntries(driver, "/", List.of("b.txt", "full", "made"));
            assertEquals("a\n", Files.readString(root.resolve("b.txt")));
            assertFalse(Files.exists(root.resolve("a.txt")));
            assertEquals("renamed /a.txt to /b.txt", status(driver));

            // Delete asks first: dismissed, nothing changes; accepted, the file goes.
            action(driver, "b.txt", "Delete").click();
            Alert ask = new WebDriverWait(driver, WAIT).until(ExpectedConditions.alertIsPresent());
            assertEquals("Delete /b.txt?", ask.getText());
            ask.dismiss();
            assertTrue(Files.exists(root.resolve("b.txt")));
            action(driver, "b.txt", "Delete").click();
            new WebDriverWait(driver, WAIT).until(ExpectedConditions.alertIsPresent()).accept();
            awaitEntries(driver, "/", List.of("full", "made"));
            assertFalse(Files.exists(root.resolve("b.txt")));

            // A directory that is not empty is refused in words and stays.
            action(driver, "full/", "Delete").click();
            new WebDriverWait(driver, WAIT).until(ExpectedConditions.alertIsPresent()).accept();
            new WebDriverWait(driver, WAIT).until(d -> status(d).equals("delete of /full failed: directory not empty (39)"));
            assertTrue(Files.exists(root.resolve("full/keep.txt")));
            awaitEntries(driver, "/", List.of("full", "made"));
            screenshot(driver, "browser-dir-changes.png");
        }
    }

    private static void answer(WebDriver driver, String text) {
        Alert prompt = new WebDriverWait(driver, WAIT).until(ExpectedConditions.alertIsPresent());
        prompt.sendKeys(text);
        prompt.accept();
    }

    private static WebElement entry(WebDriver driver, String shown) {
        return driver.findElements(By.cssSelector("#dir-list .entry-name")).stream()
                .filter(e -> e.getText().equals(shown)).findFirst().orElseThrow(() -> new AssertionError("no entry " + shown));
    }

    private static WebElement action(WebDriver driver, String shown, String label) {
        return entry(driver, shown).findElements(By.xpath("following-sibling::button")).stream()
                .filter(e -> e.getText().equals(label)).findFirst().orElseThrow();
    }

    private static List<String> shownNames(WebDriver driver) {
        return driver.findElements(By.cssSelector("#dir-list .entry-name")).stream().map(WebElement::getText).toList();
    }

    /** Waits until the panel shows {@code path} with exactly these names, and nothing is under way. */
    @SuppressWarnings("unchecked")
    private static void awaitEntries(WebDriver driver, String path, List<String> names) {
        new WebDriverWait(driver, WAIT).withMessage(() -> "the panel shows " + path + " " + names + "; it has "
                        + js(driver, "return webrepl.files"))
                .until(d -> {
                    Map<String, Object> files = (Map<String, Object>) js(d, "return webrepl.files");
                    List<Map<String, Object>> entries = (List<Map<String, Object>>) files.get("entries");
                    return ((Number) files.get("busy")).intValue() == 0 && path.equals(files.get("dir"))
                            && names.equals(entries.stream().map(e -> (String) e.get("name")).toList());
                });
    }

    private static String status(WebDriver driver) {
        return driver.findElement(By.id("file-status")).getText();
    }

    private MonitoredServer start(Path root) throws Exception {
        return MonitoredServer.start(ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(root)).withPort(0),
                EchoEvaluator::engine, SessionConfig.DEFAULTS, null);
    }

    private static String url(MonitoredServer server, String path) {
        return "http://127.0.0.1:" + server.server().port() + path;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
