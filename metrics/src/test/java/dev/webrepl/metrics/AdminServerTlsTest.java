package dev.webrepl.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.tls.TlsFiles;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.testkit.tls.TestCertificate;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The admin listener with {@link AdminOptions#withTls}: https:// only. */
@Timeout(60)
class AdminServerTlsTest {
    @TempDir
    Path dir;
    private TestCertificate cert;
    private WebReplMetrics metrics;
    private SessionRegistry sessions;
    private AdminServer admin;

    @BeforeEach
    void start() throws IOException {
        cert = TestCertificate.generate(dir);
        metrics = new WebReplMetrics();
        sessions = new SessionRegistry(EchoEvaluator::engine, new SecureRandom());
        metrics.bind(sessions);
        admin = AdminServer.start(AdminOptions.DEFAULTS.withPort(0)
                        .withTls(new TlsFiles(cert.certificate(), cert.privateKey())), metrics, sessions,
                () -> new ServerHealth(true, Map.of("kind", "echo")));
    }

    @AfterEach
    void stop() {
        admin.close();
        sessions.close();
        metrics.close();
    }

    @Test
    void metricsAreServedOverHttps() throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(cert.trustingContext()).build();
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                        URI.create("https://localhost:" + admin.port() + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", res.headers().firstValue("content-type").orElse(""));
        assertTrue(res.body().contains("\n# TYPE webrepl_auth_attempts_total counter\n"), res.body());
        assertTrue(admin.isSecure());
    }

    @Test
    void plainHttpGetsNoAnswer() {
        HttpClient http = HttpClient.newHttpClient();
        assertThrows(IOException.class, () -> http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + admin.port() + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()));
    }
}
