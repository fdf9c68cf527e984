package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.engine.TerminalSize;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.core.terminal.LineDiscipline;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.engines.jshell.JShellConfig;
import dev.webrepl.engines.jshell.JShellEngines;
import dev.webrepl.engines.process.ProcessEngine;
import dev.webrepl.engines.process.ProcessEngineConfig;
import dev.webrepl.testkit.browser.HeadlessChromium;
import dev.webrepl.testkit.tls.TestCertificate;
import dev.webrepl.transport.server.ServerOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The browser client (issue #7) in a real headless Chromium, driven as a person would: keys typed
 * into xterm.js's input element, buttons clicked, files chosen in the file input. What the page
 * shows is read from the terminal's buffer through {@code window.webrepl}. Screenshots go to
 * {@code target/browser-terminal.png}, {@code target/browser-files.png} and {@code target/browser-resized.png}.
 */
class BrowserClientTest {
    private static final String PASSWORD = "pw";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int PAGE_TEXT_UNITS = 15_000;       // webrepl.js TEXT_UNITS: UTF-16 units per text frame
    private static final int MAX_TEXT_FRAME = 45_000;        // ...so at most 3 UTF-8 bytes each

    @TempDir
    Path dir;

    @Test
    void echoSessionLogsInShowsTheSessionAndEchoesUtf8() throws Exception {
        try (MonitoredServer server = start(EchoEvaluator::engine);
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            String id = (String) js(driver, "return webrepl.sessionId");
            assertEquals(server.server().sessions().sessions().iterator().next().id(), id);
            assertEquals("connected · session " + id, driver.findElement(By.id("status")).getText());
            assertEquals(url(server, "/session/" + id), driver.findElement(By.id("attach-link")).getAttribute("value"));
            assertEquals(url(server, "/session/" + id + "?mode=view"),
                    driver.findElement(By.id("view-link")).getAttribute("value"));

            type(driver, "hello" + Keys.ENTER);
            awaitText(driver, "\nhello\nhello\n>>> ");
            // UTF-8 both ways: typed, echoed by the line discipline, and written back by the engine.
            type(driver, "grüße €" + Keys.ENTER);
            awaitText(driver, ">>> grüße €\ngrüße €\n>>>");
            assertEquals(List.of(), js(driver, "return webrepl.violations"), "nothing blocked by the page's policy");
            screenshot(driver, "browser-terminal.png");
        }
    }

    @Test
    void jshellSessionEvaluates() throws Exception {
        Supplier<ReplEngine> jshell = () -> new LineDiscipline(
                JShellEngines.factory(JShellConfig.defaults(), null).get());
        try (MonitoredServer server = start(jshell);
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            type(driver, "1+1" + Keys.ENTER);
            // The session's JShell starts on the first input (a child JVM): a few seconds.
            new WebDriverWait(driver, Duration.ofSeconds(60)).until(d -> text(d).contains("$1 ==> 2"));
        }
    }

    @Test
    void wrongPasswordShowsTheDenial() throws Exception {
        try (MonitoredServer server = start(EchoEvaluator::engine);
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            awaitText(driver, "Password: ");
            type(driver, "wrong" + Keys.ENTER);
            awaitText(driver, "Access denied");
            new WebDriverWait(driver, WAIT).until(d -> "denied".equals(js(d, "return webrepl.state")));
            assertEquals("access denied: wrong password", driver.findElement(By.id("status")).getText());
            assertEquals(0, server.server().sessions().sessions().size());
        }
    }

    @Test
    void uploadsSeveralFilesAndDownloadsOneBackByteForByte() throws Exception {
        Path root = dir.resolve("root");
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        byte[] big = new byte[300_000];               // several PUT frames, several GET chunks
        new Random(7).nextBytes(big);
        Path bigFile = Files.write(dir.resolve("big.bin"), big);
        Path small = Files.writeString(dir.resolve("small.txt"), "small file\n");
        try (MonitoredServer server = start(EchoEvaluator::engine);
             HeadlessChromium chromium = HeadlessChromium.start(options -> options.setExperimentalOption("prefs",
                     Map.of("download.default_directory", downloads.toString(),
                             "download.prompt_for_download", false)))) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);

            driver.findElement(By.id("upload-input")).sendKeys(bigFile + "\n" + small);
            driver.findElement(By.id("upload-button")).click();
            new WebDriverWait(driver, WAIT).until(d -> Files.exists(root.resolve("small.txt"))
                    && "uploaded /small.txt".equals(d.findElement(By.id("file-status")).getText()));
            assertArrayEquals(big, Files.readAllBytes(root.resolve("big.bin")));
            assertEquals("small file\n", Files.readString(root.resolve("small.txt")));
            assertEquals(List.of("done", "done"), transferStates(driver));

            driver.findElement(By.id("download-name")).sendKeys("/big.bin");
            driver.findElement(By.id("download-button")).click();
            Path downloaded = downloads.resolve("big.bin");
            new WebDriverWait(driver, WAIT).until(d -> Files.exists(downloaded) && sizeOf(downloaded) == big.length);
            assertArrayEquals(big, Files.readAllBytes(downloaded));

            // A server error in words: the file does not exist.
            WebElement name = driver.findElement(By.id("download-name"));
            name.clear();
            name.sendKeys("/missing.txt");
            driver.findElement(By.id("download-button")).click();
            new WebDriverWait(driver, WAIT).until(d -> d.findElement(By.id("file-status")).getText()
                    .equals("download of /missing.txt failed: no such file or directory (2)"));
            screenshot(driver, "browser-files.png");
        }
    }

    @Test
    void transfersShowTheirProgress() throws Exception {
        byte[] big = new byte[300_000];               // 5 GET chunks of at most 65533 bytes
        new Random(8).nextBytes(big);
        Path bigFile = Files.write(dir.resolve("big.bin"), big);
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        try (MonitoredServer server = start(EchoEvaluator::engine);
             HeadlessChromium chromium = HeadlessChromium.start(options -> options.setExperimentalOption("prefs",
                     Map.of("download.default_directory", downloads.toString(),
                             "download.prompt_for_download", false)))) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            // Every text each transfer's note shows, in order, as the page writes it.
            js(driver, """
                    window.notes = [];
                    new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach((n) => {
                      if (n.nodeType === Node.TEXT_NODE && n.parentElement.matches('#transfers li > div:last-child')) {
                        window.notes.push(n.parentElement.parentElement.firstChild.textContent + ': ' + n.textContent);
                      }
                    }))).observe(document.getElementById('transfers'), { childList: true, subtree: true });""");

            driver.findElement(By.id("upload-input")).sendKeys(bigFile.toString());
            driver.findElement(By.id("upload-button")).click();
            new WebDriverWait(driver, WAIT).until(d -> List.of("done").equals(transferStates(d)));
            driver.findElement(By.id("download-name")).sendKeys("/big.bin");
            driver.findElement(By.id("download-button")).click();
            new WebDriverWait(driver, WAIT).until(d -> List.of("done", "done").equals(transferStates(d)));

            @SuppressWarnings("unchecked")
            List<String> notes = (List<String>) js(driver, "return window.notes");
            List<String> put = notes.stream().filter(n -> n.startsWith("put ")).toList();
            List<String> get = notes.stream().filter(n -> n.startsWith("get ")).toList();
            // The upload counts up to its size (what has left the page's socket buffer), then says it is done.
            assertTrue(put.size() >= 3, put::toString);
            assertEquals("put /big.bin: 300000 of 300000 bytes", put.get(put.size() - 2), put::toString);
            long last = -1;
            for (String n : put.subList(0, put.size() - 1)) {
                long done = Long.parseLong(n.substring("put /big.bin: ".length(), n.indexOf(" of ")));
                assertTrue(done >= last && done <= 300_000, put::toString);
                last = done;
            }
            // The download counts each chunk; its size is not known in advance.
            assertEquals(List.of("get /big.bin: 65533 bytes", "get /big.bin: 131066 bytes", "get /big.bin: 196599 bytes",
                    "get /big.bin: 262132 bytes", "get /big.bin: 300000 bytes",
                    "get /big.bin: downloaded, 300000 bytes, saved as big.bin"), get);
        }
    }

    @Test
    void viewerSeesTheSameOutputAndCannotType() throws Exception {
        try (MonitoredServer server = start(EchoEvaluator::engine);
             HeadlessChromium writerBrowser = HeadlessChromium.start();
             HeadlessChromium viewerBrowser = HeadlessChromium.start()) {
            WebDriver writer = writerBrowser.driver();
            writer.get(url(server, "/"));
            logIn(writer, PASSWORD);
            type(writer, "before viewer" + Keys.ENTER);
            awaitText(writer, "\nbefore viewer\nbefore viewer\n>>>");

            WebDriver viewer = viewerBrowser.driver();
            viewer.get(writer.findElement(By.id("view-link")).getAttribute("value"));
            logIn(viewer, PASSWORD);
            assertEquals(js(writer, "return webrepl.sessionId"), js(viewer, "return webrepl.sessionId"));
            assertEquals(true, js(viewer, "return webrepl.viewOnly"));
            awaitText(viewer, "\nbefore viewer\nbefore viewer\n>>>");   // the replay

            type(writer, "from writer" + Keys.ENTER);
            awaitText(viewer, "from writer\nfrom writer\n>>>");

            type(viewer, "from viewer" + Keys.ENTER);
            // Output is in order: once the writer's next line is back, the viewer's keys would have been too.
            type(writer, "after" + Keys.ENTER);
            awaitText(writer, ">>> after\nafter\n>>>");
            awaitText(viewer, ">>> after\nafter\n>>>");
            assertFalse(text(writer).contains("from viewer"), text(writer));
            assertFalse(text(viewer).contains("from viewer"), text(viewer));
        }
    }

    @Test
    void endlessOutputKeepsThePageResponsiveAndCtrlCStopsIt() throws Exception {
        ProcessEngineConfig shell = shell();
        try (MonitoredServer server = start(() -> new ProcessEngine(shell));
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            logInToShell(driver, server);
            type(driver, "yes" + Keys.ENTER);
            awaitText(driver, "y\ny\ny\n");
            // Until the page's scrollback is full (5,000 lines): from then on every line printed pushes one
            // out, the steady state of endless output.
            new WebDriverWait(driver, WAIT).until(d -> ((Number) js(d,
                    "return webrepl.terminalText().split('\\n').length")).intValue() >= 5_000);

            // The page's script still answers at once while output pours in (bounded by the script timeout).
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(5));
            assertEquals("connected", js(driver, "return webrepl.state"));

            long pressed = System.nanoTime();
            type(driver, Keys.chord(Keys.CONTROL, "c"));
            // "Within a second" (issue #7): asserted with a bounded wait of 5 s for the prompt; the time it
            // took is printed for BENCHMARKS.md ("Browser client"), beside Ctrl-C at an idle prompt.
            new WebDriverWait(driver, Duration.ofSeconds(5)).pollingEvery(Duration.ofMillis(5))
                    .until(d -> lastLine(d).equals("sh$"));
            long duringYes = System.nanoTime() - pressed;
            type(driver, "echo done-$((6*7))" + Keys.ENTER);
            awaitText(driver, "\ndone-42\nsh$");
            assertEquals("connected", js(driver, "return webrepl.state"));

            int prompts = text(driver).split("sh\\$", -1).length;
            pressed = System.nanoTime();
            type(driver, Keys.chord(Keys.CONTROL, "c"));
            new WebDriverWait(driver, Duration.ofSeconds(5)).pollingEvery(Duration.ofMillis(5))
                    .until(d -> text(d).split("sh\\$", -1).length > prompts);
            long idle = System.nanoTime() - pressed;
            System.out.printf("browser: Ctrl-C to prompt during yes %d ms, at an idle prompt %d ms%n",
                    duringYes / 1_000_000, idle / 1_000_000);
        }
    }

    @Test
    void reattachesAfterANetworkDropAndShowsTheReplay() throws Exception {
        try (MonitoredServer server = start(EchoEvaluator::engine);
             DroppingProxy proxy = new DroppingProxy(server.server().port());
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get("http://127.0.0.1:" + proxy.port() + "/");
            logIn(driver, PASSWORD);
            String id = (String) js(driver, "return webrepl.sessionId");
            type(driver, "before drop" + Keys.ENTER);
            awaitText(driver, "\nbefore drop\nbefore drop\n>>>");

            proxy.dropAll();
            new WebDriverWait(driver, WAIT).until(d -> ((List<?>) js(d, "return webrepl.history")).contains("reconnecting"));
            new WebDriverWait(driver, WAIT).until(d -> "connected".equals(js(d, "return webrepl.state")));
            assertEquals(id, js(driver, "return webrepl.sessionId"));
            assertEquals(1, server.server().sessions().sessions().size());
            // The screen was cleared and the session's recent output replayed; the login is not shown again.
            new WebDriverWait(driver, WAIT).withMessage(() -> text(driver))
                    .until(d -> text(d).strip().equals("before drop\nbefore drop\n>>>"));

            type(driver, "after drop" + Keys.ENTER);
            awaitText(driver, ">>> after drop\nafter drop\n>>>");
        }
    }

    @Test
    void worksOverWssWhenTheServerHasTls() throws Exception {
        TestCertificate certificate = TestCertificate.generate(Files.createDirectories(dir.resolve("tls")));
        Path root = Files.createDirectories(dir.resolve("root"));
        try (MonitoredServer server = MonitoredServer.start(ServerOptions.of(PasswordCheck.plain(PASSWORD),
                        new FileStore(root)).withPort(0).withTls(certificate.certificate(), certificate.privateKey()),
                EchoEvaluator::engine, SessionConfig.DEFAULTS, null);
             // The self-signed test certificate: accepted by this browser only, in this test only.
             HeadlessChromium chromium = HeadlessChromium.start(options -> options.addArguments("--ignore-certificate-errors"))) {
            WebDriver driver = chromium.driver();
            driver.get("https://127.0.0.1:" + server.server().port() + "/");
            logIn(driver, PASSWORD);
            assertEquals("wss://127.0.0.1:" + server.server().port() + "/", js(driver, "return webrepl.socket.url"));
            type(driver, "secure" + Keys.ENTER);
            awaitText(driver, "\nsecure\nsecure\n>>> ");
            String id = (String) js(driver, "return webrepl.sessionId");
            assertEquals("https://127.0.0.1:" + server.server().port() + "/session/" + id,
                    driver.findElement(By.id("attach-link")).getAttribute("value"));
        }
    }

    @Test
    void aProgramInThePtySeesTheTerminalsSizeOnLoadAndAfterTheWindowResizes() throws Exception {
        ProcessEngineConfig shell = shell();
        try (MonitoredServer server = start(() -> new ProcessEngine(shell));
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            // The page asks for FLOW only after RESIZE has its reply (one file operation at a time), and
            // the server resizes the pty before it replies: from here on the pty has the page's size.
            logInToShell(driver, server);
            TerminalSize loaded = size(driver);
            assertNotEquals(new TerminalSize(shell.columns(), shell.rows()), loaded,
                    "the page's terminal differs from the pty's initial size, or this proves nothing");
            type(driver, "stty size" + Keys.ENTER);
            awaitText(driver, "sh$ stty size\n" + loaded.rows() + " " + loaded.columns() + "\nsh$ ");

            // The terminal's new box refits xterm (a resize observer), whose resize sends RESIZE in the same
            // task: on the wire before any key typed after the new size shows.
            driver.manage().window().setSize(new Dimension(800, 500));
            new WebDriverWait(driver, WAIT).until(d -> !size(d).equals(loaded));
            TerminalSize resized = size(driver);
            assertNotEquals(loaded.columns(), resized.columns());
            assertNotEquals(loaded.rows(), resized.rows());
            type(driver, "stty size" + Keys.ENTER);
            awaitText(driver, "sh$ stty size\n" + resized.rows() + " " + resized.columns() + "\nsh$ ");
            assertEquals(resized, size(driver), "one resize, not a size on the way to another");
            screenshot(driver, "browser-resized.png");
        }
    }

    @Test
    void theStatusLineSaysDisconnectedWithTheServersReason() throws Exception {
        try (MonitoredServer server = start(EchoEvaluator::engine);
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            String id = (String) js(driver, "return webrepl.sessionId");
            // As an administrator's DELETE /sessions/ID does (README "Admin endpoints"): close code 1000 and why.
            server.server().sessions().find(id).orElseThrow().end(1000, "ended by an administrator", "ended");
            new WebDriverWait(driver, WAIT).until(d -> "disconnected".equals(js(d, "return webrepl.state")));
            assertEquals("disconnected: 1000 ended by an administrator", driver.findElement(By.id("status")).getText());
            awaitText(driver, "[disconnected: 1000 ended by an administrator]");
        }
    }

    @Test
    void aWordSelectedWithTheMouseIsCopied() throws Exception {
        try (MonitoredServer server = start(EchoEvaluator::engine);
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            type(driver, "grüße" + Keys.ENTER);
            // The first line has no prompt of its own: the session line follows the login's (README "Sessions").
            awaitText(driver, "\ngrüße\ngrüße\n>>>");
            // The echo engine's own line "grüße" (after the typed one): its row on the screen.
            List<String> rows = List.of(text(driver).split("\n", -1));
            int row = rows.lastIndexOf("grüße");
            assertTrue(row >= 0, rows::toString);
            TerminalSize size = size(driver);
            WebElement screen = driver.findElement(By.cssSelector("#terminal .xterm-screen"));
            Dimension box = screen.getSize();
            double cellWidth = (double) box.getWidth() / size.columns();
            double cellHeight = (double) box.getHeight() / size.rows();
            // A real double-click on the word's third cell: xterm selects the word.
            new Actions(driver).moveToElement(screen, (int) (2.5 * cellWidth - box.getWidth() / 2.0),
                    (int) ((row + 0.5) * cellHeight - box.getHeight() / 2.0)).doubleClick().perform();
            // A user's copy (Ctrl+C in the browser): a copy event on xterm's input element, handled by xterm,
            // which puts its selection on the clipboard.
            Object copied = js(driver, """
                    const data = new DataTransfer();
                    document.querySelector('#terminal .xterm-helper-textarea').dispatchEvent(
                        new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }));
                    return data.getData('text/plain');""");
            assertEquals("grüße", copied);
        }
    }

    @Test
    void pasteReachesTheEngineByteForByteInTextFramesOfAtMost45000Bytes() throws Exception {
        RecordingEngine echo = new RecordingEngine(EchoEvaluator.engine());
        // 1,000 lines of 85 UTF-16 units with the newline, mostly € (3 UTF-8 bytes per unit, the worst case
        // for the frame bound), each with a surrogate pair, placed so that the page's first split falls inside one.
        List<String> lines = IntStream.range(0, 1000)
                .mapToObj(i -> String.format("%04d grüße ", i) + "€".repeat(28) + "😀" + "€".repeat(43))
                .toList();
        String clipboard = lines.stream().map(line -> line + "\n").collect(Collectors.joining());
        assertTrue(Character.isHighSurrogate(clipboard.charAt(PAGE_TEXT_UNITS - 1)),
                "the text puts a surrogate pair across the page's first split");
        try (MonitoredServer server = start(() -> echo);
             HeadlessChromium chromium = HeadlessChromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(url(server, "/"));
            logIn(driver, PASSWORD);
            int width = ">>> ".length() + lines.get(0).codePointCount(0, lines.get(0).length()) + 1;
            assertTrue(size(driver).columns() >= width, "an echoed line fits on one row: " + size(driver));

            // Frames are counted in the page, as its code hands them to the socket (what TEXT_UNITS decides):
            // a browser may cut one message into several frames on the wire, so counts at the server need not.
            js(driver, """
                    const socket = webrepl.socket;
                    const send = socket.send;
                    const encoder = new TextEncoder();
                    window.textFrameBytes = [];
                    socket.send = function (data) {
                      if (typeof data === 'string') {
                        window.textFrameBytes.push(encoder.encode(data).length);
                      }
                      return send.call(this, data);
                    };""");
            // A user's paste: a paste event with the text on xterm's input element, handled by xterm itself.
            js(driver, """
                    const data = new DataTransfer();
                    data.setData('text/plain', arguments[0]);
                    document.querySelector('#terminal .xterm-helper-textarea').dispatchEvent(
                        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));""",
                    clipboard);

            // The last line echoed and written back: the engine has had all of the paste.
            String last = lines.get(lines.size() - 1);
            new WebDriverWait(driver, Duration.ofSeconds(60))
                    .withMessage(() -> "the echoed paste (page " + js(driver, "return webrepl.state + ' ' + webrepl.closeReason")
                            + "); the terminal ends with:\n" + tail(text(driver)))
                    .until(d -> text(d).stripTrailing().endsWith(last + "\n" + last + "\n>>>"));
            // xterm 4.9 sends a pasted newline as CR (Enter), and brackets the paste in ESC[200~ ... ESC[201~
            // only when the program asked for it (DECSET 2004), which the echo engine never does.
            byte[] expected = clipboard.replace('\n', '\r').getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(expected, echo.input());
            List<Long> frames = textFrameBytes(driver);
            assertTrue(frames.size() > 1, "the paste was split: " + frames);
            assertTrue(frames.stream().allMatch(n -> n <= MAX_TEXT_FRAME), "every text frame at most 45,000 bytes: " + frames);
            assertEquals(expected.length, frames.stream().mapToLong(Long::longValue).sum(), "only the paste was sent: " + frames);
            // On the screen: every line echoed and written back, in order, after the session line (which
            // follows the login's own prompt, README "Sessions"); all of it fits the page's scrollback.
            String transcript = "webrepl: session /session/" + js(driver, "return webrepl.sessionId") + "\n"
                    + lines.stream().map(line -> line + "\n" + line + "\n").collect(Collectors.joining(">>> ")) + ">>>";
            String shown = text(driver).stripTrailing();
            assertTrue(shown.endsWith(transcript), () -> "the terminal ends with:\n" + tail(shown));
            assertEquals(List.of(), js(driver, "return webrepl.violations"));
        }
    }

    private MonitoredServer start(Supplier<ReplEngine> engines) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        return MonitoredServer.start(ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(root)).withPort(0),
                engines, SessionConfig.DEFAULTS, null);
    }

    /** {@code /bin/sh} in a pty of 80 x 24 with the prompt {@code sh$ }. */
    private ProcessEngineConfig shell() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PS1", "sh$ ");
        return new ProcessEngineConfig(List.of("/bin/sh"), env, dir, 80, 24, Duration.ofSeconds(2));
    }

    private static String url(MonitoredServer server, String path) {
        return "http://127.0.0.1:" + server.server().port() + path;
    }

    /** Opens a new session on {@code server} (a shell, prompt {@code sh$ }), logs in, waits for FLOW and the prompt. */
    private static void logInToShell(WebDriver driver, MonitoredServer server) {
        driver.get(url(server, "/"));
        logIn(driver, PASSWORD);
        new WebDriverWait(driver, WAIT).until(d -> Boolean.TRUE.equals(js(d, "return webrepl.flow")));
        awaitText(driver, "sh$ ");
    }

    /** Types the password at the prompt, as a person would, and waits for the session line. */
    static void logIn(WebDriver driver, String password) {
        awaitText(driver, "Password: ");
        type(driver, password + Keys.ENTER);
        new WebDriverWait(driver, WAIT).until(d -> "connected".equals(js(d, "return webrepl.state")));
    }

    static void type(WebDriver driver, CharSequence keys) {
        driver.findElement(By.cssSelector("#terminal .xterm-helper-textarea")).sendKeys(keys);
    }

    static void awaitText(WebDriver driver, String expected) {
        new WebDriverWait(driver, WAIT).withMessage(() -> "terminal shows " + expected + "; it has:\n" + text(driver))
                .until(d -> text(d).contains(expected));
    }

    static String text(WebDriver driver) {
        return (String) js(driver, "return webrepl.terminalText()");
    }

    private static String lastLine(WebDriver driver) {
        String t = text(driver).stripTrailing();
        return t.substring(t.lastIndexOf('\n') + 1);
    }

    /** The terminal's size as xterm has it. */
    private static TerminalSize size(WebDriver driver) {
        Map<?, ?> size = (Map<?, ?>) js(driver, "return webrepl.size");
        return new TerminalSize(((Number) size.get("columns")).intValue(), ((Number) size.get("rows")).intValue());
    }

    @SuppressWarnings("unchecked")
    private static List<Long> textFrameBytes(WebDriver driver) {
        return (List<Long>) js(driver, "return window.textFrameBytes");
    }

    private static String tail(String text) {
        return text.substring(Math.max(0, text.length() - 2000));
    }

    static Object js(WebDriver driver, String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    @SuppressWarnings("unchecked")
    static List<String> transferStates(WebDriver driver) {
        return ((List<Map<String, Object>>) js(driver, "return webrepl.files.transfers")).stream()
                .map(t -> (String) t.get("state")).toList();
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    static void screenshot(WebDriver driver, String name) throws Exception {
        Path target = Path.of(System.getProperty("basedir", ".")).resolve("target");
        Files.createDirectories(target);
        Files.write(target.resolve(name), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }
}
