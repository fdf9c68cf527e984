package dev.webrepl.transport.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The browser client's page and assets over plain HTTP (issue #7): paths, types, caching, policy. */
class WebClientPageTest {
    @TempDir
    Path root;
    private WebReplServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() throws IOException {
        server = WebReplServer.start(ServerOptions.of(PasswordCheck.plain("secret"), new FileStore(root)).withPort(0),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom(),
                        SessionConfig.DEFAULTS.withLinger(Duration.ofSeconds(42))));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theSamePageForANewSessionAnAttachAndAViewer() throws Exception {
        for (String path : new String[] {"/", "/session/AbC_-123", "/session/AbC_-123?mode=view"}) {
            HttpResponse<byte[]> r = get(path);
            assertEquals(200, r.statusCode(), path);
            assertEquals("text/html; charset=utf-8", header(r, "content-type"));
            assertEquals("no-store", header(r, "cache-control"));
            assertArrayEquals(server.pageBytes(), r.body(), path);
        }
        String page = new String(get("/").body(), StandardCharsets.UTF_8);
        assertTrue(page.contains("<meta name=\"webrepl-linger-ms\" content=\"42000\">"), page);
        assertTrue(page.contains("<script src=\"/assets/webrepl.js\" defer></script>"), page);
        assertFalse(page.contains("http://") || page.contains("https://"), "no external URL in the page");
    }

    @Test
    void thePagePolicyAllowsOnlyThisServer() throws Exception {
        String host = "127.0.0.1:" + server.port();
        assertEquals("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                        + "connect-src 'self' ws://" + host + " wss://" + host + "; object-src 'none'; base-uri 'none'; "
                        + "form-action 'none'; frame-ancestors 'none'",
                header(get("/"), "content-security-policy"));
        assertEquals("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                WebReplServer.pagePolicy("evil; script-src *"));
    }

    @Test
    void assetsComeFromTheClasspathAndTheWebJars() throws Exception {
        assertAsset("/assets/xterm.js", "text/javascript; charset=utf-8",
                "META-INF/resources/webjars/xterm/4.9.0/lib/xterm.js");
        assertAsset("/assets/xterm.css", "text/css; charset=utf-8",
                "META-INF/resources/webjars/xterm/4.9.0/css/xterm.css");
        assertAsset("/assets/xterm-addon-fit.js", "text/javascript; charset=utf-8",
                "META-INF/resources/webjars/xterm-addon-fit/0.3.0/lib/xterm-addon-fit.js");
        assertAsset("/assets/webrepl.js", "text/javascript; charset=utf-8", "dev/webrepl/transport/web/webrepl.js");
        assertAsset("/assets/webrepl.css", "text/css; charset=utf-8", "dev/webrepl/transport/web/webrepl.css");
    }

    @Test
    void theIconIsOursAtItsLinkAndAtFaviconIco() throws Exception {
        assertTrue(new String(get("/").body(), StandardCharsets.UTF_8)
                .contains("<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">"));
        assertAsset("/assets/favicon.svg", "image/svg+xml", "dev/webrepl/transport/web/favicon.svg");
        assertAsset("/favicon.ico", "image/x-icon", "dev/webrepl/transport/web/favicon.ico");
        byte[] ico = get("/favicon.ico").body();
        // An ICO directory (reserved 0, type 1) of two images: 16 and 32 pixels square.
        assertArrayEquals(new byte[] {0, 0, 1, 0, 2, 0, 16, 16}, java.util.Arrays.copyOf(ico, 8));
        assertEquals(404, get("/favicon.png").statusCode());
    }

    @Test
    void unknownAssetsAndPathsAreNotFound() throws Exception {
        assertEquals(404, get("/assets/nope.js").statusCode());
        assertEquals(404, get("/assets/").statusCode());
        assertEquals(404, get("/assets/../index.html").statusCode());
        assertEquals(404, get("/elsewhere").statusCode());
    }

    private void assertAsset(String path, String type, String resource) throws Exception {
        HttpResponse<byte[]> r = get(path);
        assertEquals(200, r.statusCode(), path);
        assertEquals(type, header(r, "content-type"), path);
        assertEquals("no-cache", header(r, "cache-control"), path);
        assertEquals("nosniff", header(r, "x-content-type-options"), path);
        assertArrayEquals(resource(resource), r.body(), path);
    }

    private HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = WebClientPageTest.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("not on the classpath: " + name);
            }
            return in.readAllBytes();
        }
    }
}
