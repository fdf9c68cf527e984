package dev.webrepl.transport.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.testkit.tls.TestCertificate;
import dev.webrepl.transport.client.ConnectionLostException;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.TransferProgress;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.client.WireMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The server with {@link ServerOptions#withTls}: wss:// and https:// on one port, on loopback. */
@Timeout(60)
class TlsTest {
    @TempDir
    Path dir;
    private Path root;
    private TestCertificate cert;
    private WebReplServer server;

    @BeforeEach
    void start() throws IOException {
        cert = TestCertificate.generate(dir.resolve("tls"));
        root = Files.createDirectories(dir.resolve("root"));
        server = WebReplServer.start(options().withTls(cert.certificate(), cert.privateKey()),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ServerOptions options() throws IOException {
        return ServerOptions.of(PasswordCheck.plain("secret"), new FileStore(root)).withPort(0);
    }

    @ParameterizedTest
    @EnumSource(WireMode.class)
    void aSessionOverWssLogsInEchoesAndMovesFilesByteForByte(WireMode mode) throws IOException {
        byte[] content = new byte[200_000];
        new Random(11).nextBytes(content);
        Path source = Files.write(dir.resolve("up.bin"), content);
        try (WebReplClient client = WebReplClient.newBuilder().wireMode(mode).tls(cert.certificate()).build();
             ReplConnection c = client.connect("localhost", server.port(), "secret").join()) {
            assertTrue(server.isSecure() && client.isSecure());
            String line = "\r\nwebrepl: session /session/" + "x".repeat(22) + "\r\n";
            String expected = "\r\nWebREPL connected\r\n>>> " + line + "1+1\r\n1+1\r\n>>> ";
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            var received = c.output().doOnNext(seen::writeBytes).takeUntil(b -> seen.size() >= expected.length())
                    .then(reactor.core.publisher.Mono.fromCallable(() -> seen.toString(StandardCharsets.ISO_8859_1)))
                    .timeout(Duration.ofSeconds(30)).toFuture();
            c.send("1+1\r").join();
            String got = received.join();
            // Read after the session line arrived: the login answer can reach the client before the
            // session is registered.
            String id = server.sessions().sessions().iterator().next().id();
            assertEquals(expected.replace("x".repeat(22), id), got);

            assertEquals(content.length, c.put(source, "up.bin", TransferProgress.NONE).join());
            assertArrayEquals(content, Files.readAllBytes(root.resolve("up.bin")));
            Path back = dir.resolve("down.bin");
            assertEquals(content.length, c.get("up.bin", back, TransferProgress.NONE).join());
            assertArrayEquals(content, Files.readAllBytes(back));
        }
    }

    @Test
    void aPlainRequestOnTheTlsPortIsToldInWordsAndClosed() throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    + "X-Webrepl-Error: tls-required\r\nConnection: close\r\nContent-Length: 56\r\n\r\n"
                    + "this server speaks TLS: use wss:// (or https://, --tls)\n",
                    new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aPlainWsClientFailsCleanlyAndTheServerCarriesOn() {
        try (WebReplClient plain = WebReplClient.newClient()) {
            assertThrows(CompletionException.class, () -> plain.connect("127.0.0.1", server.port()).join());
        }
        try (WebReplClient client = WebReplClient.newBuilder().tls(cert.certificate()).build();
             ReplConnection c = client.connect("127.0.0.1", server.port(), "secret").join()) {
            assertEquals(3, c.version().join().length);
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateFailsTheHandshake() {
        // The JDK's default trust store knows nothing of a self-signed test certificate.
        try (WebReplClient client = WebReplClient.newBuilder().tls().build()) {
            CompletionException e = assertThrows(CompletionException.class,
                    () -> client.connect("localhost", server.port()).join());
            assertTrue(e.getCause() instanceof ConnectionLostException
                    || e.getCause() instanceof javax.net.ssl.SSLException, "failure: " + e.getCause());
        }
    }

    @Test
    void httpsServesThePageOnTheSamePort() throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(cert.trustingContext()).build();
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode());
        assertEquals(new String(server.pageBytes(), java.nio.charset.StandardCharsets.UTF_8), res.body());
    }

    @Test
    void aMissingKeyFileIsNamedAndNothingIsBound() throws IOException {
        Path missing = dir.resolve("nope.pem");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WebReplServer.start(
                options().withTls(cert.certificate(), missing), new SessionRegistry(EchoEvaluator::engine, new SecureRandom())));
        assertEquals("TLS private key file " + missing + " does not exist or is not a file", e.getMessage());
        Path notPem = Files.writeString(dir.resolve("not.pem"), "hello");
        e = assertThrows(IllegalArgumentException.class, () -> WebReplServer.start(
                options().withTls(notPem, cert.privateKey()), new SessionRegistry(EchoEvaluator::engine, new SecureRandom())));
        assertTrue(e.getMessage().startsWith("cannot use TLS certificate " + notPem + " with key " + cert.privateKey()),
                e.getMessage());
    }
}
