package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.webrepl.testkit.browser.HeadlessChromium;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * MicroPython's official browser page (issue #16 points 2 and 3) in headless Chromium, as a page of our
 * own that does what {@code webrepl.html} does ({@code official-page.html} beside this class: a browser
 * WebSocket to {@code ws://HOST:PORT/}, the password typed as terminal input, file names encoded with
 * {@code charCodeAt}). Opened from disk ({@code Origin: null}) it works on default settings; served from
 * another origin (a static server on a second loopback port) it is refused unless
 * {@code --allowed-origin} names that origin. Where it works, {@code café.txt} goes up as Latin-1 bytes,
 * lands as the UTF-8 name with the exact bytes, comes back byte for byte and is listed by name.
 */
class OfficialPageBrowserTest {
    private static final String PASSWORD = "pw";
    private static final String NAME = "caf\u00e9.txt";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String NL = System.lineSeparator();

    @TempDir
    Path dir;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    /** {@code webrepl serve} on a free port with the echo engine, plus {@code extra} flags. */
    private MonitoredServer serve(String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--no-admin", "--password", PASSWORD,
                "--root", Files.createDirectories(dir.resolve("root")).toString(), "--engine", "echo"));
        args.addAll(List.of(extra));
        MonitoredServer server = CapturedCli.parseServe(new StringWriter(), new StringWriter(),
                args.toArray(String[]::new)).start();
        closing.add(server);
        return server;
    }

    private static byte[] page() throws IOException {
        try (InputStream in = OfficialPageBrowserTest.class.getResourceAsStream("official-page.html")) {
            if (in == null) {
                throw new IOException("official-page.html is not on the classpath");
            }
            return in.readAllBytes();
        }
    }

    /** A static server on another loopback port serving the page at {@code /webrepl.html}; returns its origin. */
    private String otherOrigin() throws IOException {
        byte[] page = page();
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/webrepl.html", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(page);
            }
        });
        http.start();
        closing.add(() -> http.stop(0));
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    private HeadlessChromium chromium() {
        HeadlessChromium chromium = HeadlessChromium.start();
        closing.add(chromium);
        return chromium;
    }

    @Test
    void fromDiskThePageLogsInAndMovesALatin1NamedFile() throws Exception {
        MonitoredServer server = serve();
        Path page = Files.write(Files.createDirectories(dir.resolve("page")).resolve("webrepl.html"), page());
        WebDriver driver = chromium().driver();
        driver.get(page.toUri() + "#127.0.0.1:" + server.server().port());
        logInAndMoveAFile(driver, server);
    }

    @Test
    void fromAnotherOriginThePageIsRefusedByDefault() throws Exception {
        String origin = otherOrigin();
        MonitoredServer server = serve();
        WebDriver driver = chromium().driver();
        driver.get(origin + "/webrepl.html#127.0.0.1:" + server.server().port());
        driver.findElement(By.id("connect")).click();
        new WebDriverWait(driver, WAIT).until(d -> state(d).startsWith("refused"));
        assertEquals("refused 1006", state(driver), "the socket never opened");
        assertEquals("", js(driver, "return page.screen()"));
        // What the browser met (it does not show a refused handshake's status to the page):
        assertEquals("HTTP/1.1 403 Forbidden", statusLineFor(server.server().port(), origin));
    }

    @Test
    void fromAnOriginNamedByAllowedOriginThePageLogsIn() throws Exception {
        String origin = otherOrigin();
        MonitoredServer server = serve("--allowed-origin", origin);
        WebDriver driver = chromium().driver();
        driver.get(origin + "/webrepl.html#127.0.0.1:" + server.server().port());
        logInAndMoveAFile(driver, server);
    }

    private void logInAndMoveAFile(WebDriver driver, MonitoredServer server) throws Exception {
        driver.findElement(By.id("connect")).click();
        WebDriverWait wait = new WebDriverWait(driver, WAIT);
        wait.withMessage(() -> "page state " + state(driver) + ", screen " + screen(driver) + ", typed "
                + js(driver, "return page.typed()") + ", file status " + fileStatus(driver));
        wait.until(d -> screen(d).endsWith("Password: ") || !state(d).equals("connecting") && !state(d).equals("open"));
        assertEquals("open", state(driver));
        assertEquals("Password: ", screen(driver));
        driver.findElement(By.id("term")).sendKeys(PASSWORD + Keys.ENTER);
        wait.until(d -> screen(d).startsWith("Password: \\r\\nWebREPL connected\\r\\n>>> "));

        byte[] data = new byte[3000];                 // three 1024-byte PUT messages
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 13 + i / 256);
        }
        Path local = Files.write(Files.createDirectories(dir.resolve("local")).resolve(NAME), data);
        driver.findElement(By.id("put-file-select")).sendKeys(local.toString());
        wait.until(d -> d.findElement(By.id("put-file-button")).isEnabled());
        driver.findElement(By.id("put-file-button")).click();
        wait.until(d -> !fileStatus(d).startsWith("Sending"));
        assertEquals("Sent " + NAME + ", 3000 bytes", fileStatus(driver));
        Path root = dir.resolve("root");
        assertArrayEquals(data, Files.readAllBytes(root.resolve(NAME)), "stored under its UTF-8 name");

        driver.findElement(By.id("get_filename")).sendKeys(NAME);
        driver.findElement(By.id("get-file-button")).click();
        wait.until(d -> !fileStatus(d).startsWith("Getting"));
        assertEquals("Got " + NAME + ", 3000 bytes", fileStatus(driver));
        @SuppressWarnings("unchecked")
        List<Long> got = (List<Long>) js(driver, "return page.got()");
        byte[] back = new byte[got.size()];
        for (int i = 0; i < back.length; i++) {
            back[i] = got.get(i).byteValue();
        }
        assertArrayEquals(data, back);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, CapturedCli.webrepl(out, err).execute(CapturedCli.withPassword(PASSWORD, "ls",
                "127.0.0.1:" + server.server().port() + ":/")), err::toString);
        assertEquals(NAME + NL, out.toString());
        assertTrue(state(driver).equals("open"), state(driver));
    }

    /** The status line the server answers to a browser's upgrade from {@code origin}. */
    private static String statusLineFor(int port, String origin) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nOrigin: " + origin
                    + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = s.getInputStream().read()) >= 0 && c != '\r') {
                line.append((char) c);
            }
            return line.toString();
        }
    }

    private static Object js(WebDriver d, String script) {
        return ((JavascriptExecutor) d).executeScript(script);
    }

    private static String state(WebDriver d) {
        return (String) js(d, "return page.state()");
    }

    /** What the page has shown, a backslash, CR and LF escaped as two characters each (e.g. {@code \r}). */
    private static String screen(WebDriver d) {
        return (String) js(d, "return page.screen()");
    }

    private static String fileStatus(WebDriver d) {
        return d.findElement(By.id("file-status")).getText();
    }
}
