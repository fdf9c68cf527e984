package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.testkit.tls.TestCertificate;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code serve --tls-cert --tls-key} and the client commands' {@code --tls} / {@code --ca-cert}. */
@Timeout(60)
class ServeTlsTest {
    @TempDir
    Path dir;
    private TestCertificate cert;
    private final StringWriter out = new StringWriter();
    private final StringWriter cliOut = new StringWriter();
    private final StringWriter cliErr = new StringWriter();

    @BeforeEach
    void certificate() throws IOException {
        cert = TestCertificate.generate(dir.resolve("tls"));
    }

    private ServeCommand parse(String... args) {
        return CapturedCli.parseServe(out, args);
    }

    private int client(String... args) {
        return CapturedCli.webrepl(cliOut, cliErr).execute(args);
    }

    @Test
    void servesWssAndTheAdminListenerOverHttpsAndTheCliConnectsWithItsCaCert() throws Exception {
        try (MonitoredServer server = parse("--port", "0", "--admin-port", "0", "--root", dir.resolve("root").toString(),
                "--password", "pw", "--engine", "echo", "--tls-cert", cert.certificate().toString(),
                "--tls-key", cert.privateKey().toString()).start()) {
            int port = server.server().port();
            int adminPort = server.admin().port();
            assertTrue(out.toString().startsWith("webrepl serving https://127.0.0.1:" + port + "/ (files in "), out.toString());
            assertTrue(out.toString().contains("\nadmin https://127.0.0.1:" + adminPort
                    + "/ (metrics, health, sessions, dashboard)\n"), out.toString());

            HttpResponse<String> health = HttpClient.newBuilder().sslContext(cert.trustingContext()).build().send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + adminPort + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());

            byte[] content = new byte[70_000];
            new Random(3).nextBytes(content);
            Path source = Files.write(dir.resolve("a.bin"), content);
            Path copy = dir.resolve("b.bin");
            String target = "127.0.0.1:" + port + ":/a.bin";
            assertEquals(0, client("put", "--ca-cert", cert.certificate().toString(), source.toString(), target, "-p", "pw"),
                    cliErr::toString);
            assertEquals(0, client("get", "--ca-cert", cert.certificate().toString(), target, copy.toString(), "-p", "pw"),
                    cliErr::toString);
            assertArrayEquals(content, Files.readAllBytes(copy));

            // Without TLS the handshake cannot happen: the server says it speaks TLS (exit 5), not a hang.
            assertEquals(CliFailure.CONNECTION, client("ver", "127.0.0.1:" + port, "-p", "pw"), cliErr::toString);
            assertEquals("webrepl: 127.0.0.1:" + port + ": this server speaks TLS: use --tls, --ca-cert FILE or a wss:// "
                    + "address" + System.lineSeparator(), cliErr.toString());
            cliErr.getBuffer().setLength(0);
            assertEquals(CliFailure.CONNECTION, client("ver", "--legacy", "127.0.0.1:" + port, "-p", "pw"), cliErr::toString);
            assertEquals("webrepl: 127.0.0.1:" + port + ": this server speaks TLS: use --tls, --ca-cert FILE or a wss:// "
                    + "address" + System.lineSeparator(), cliErr.toString());
            // A wss:// address is TLS without --tls.
            assertEquals(0, client("ver", "--ca-cert", cert.certificate().toString(), "wss://127.0.0.1:" + port, "-p", "pw"),
                    cliErr::toString);
            // --tls trusts only the JDK's authorities, which never signed the test certificate: said so.
            cliErr.getBuffer().setLength(0);
            assertEquals(CliFailure.CONNECTION, client("ver", "--tls", "127.0.0.1:" + port, "-p", "pw"), cliErr::toString);
            assertTrue(cliErr.toString().startsWith("webrepl: 127.0.0.1:" + port + ": the server's certificate is not "
                    + "trusted ("), cliErr.toString());
            assertTrue(cliErr.toString().endsWith("); for a self-signed certificate, pass it with --ca-cert FILE"
                    + System.lineSeparator()), cliErr.toString());
        }
    }

    @Test
    void selfSignedServesWssWithTheCertificateWhoseFingerprintItPrintsAndDeletesItsKeyFiles() throws Exception {
        Path kept = dir.resolve("kept").resolve("self-signed.pem");
        ServeCommand cmd = parse("--port", "0", "--no-admin", "--root", dir.resolve("root").toString(),
                "--password", "pw", "--engine", "echo", "--tls-self-signed", "--tls-self-signed-cert", kept.toString());
        try (MonitoredServer server = cmd.start()) {
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("^TLS: self-signed certificate, SHA-256 fingerprint ([0-9A-F:]{95})\n").matcher(out.toString());
            assertTrue(m.find(), out.toString());
            assertTrue(out.toString().contains("\nwebrepl serving https://127.0.0.1:" + server.server().port() + "/"),
                    out.toString());
            // What a client is shown: the peer certificate of a TLS handshake (trusting anything, to look).
            javax.net.ssl.SSLContext look = javax.net.ssl.SSLContext.getInstance("TLS");
            look.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String auth) {
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String auth) {
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) look.getSocketFactory()
                    .createSocket("127.0.0.1", server.server().port())) {
                s.startHandshake();
                byte[] der = s.getSession().getPeerCertificates()[0].getEncoded();
                String seen = java.util.HexFormat.ofDelimiter(":").withUpperCase()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(der));
                assertEquals(m.group(1), seen);
            }
            assertFalse(Files.exists(cmd.selfSigned.directory()), "the key and certificate files are deleted");
            // Its certificate (not the key) is kept where the banner says, for a CLI's --ca-cert (issue 17 item 10).
            assertTrue(out.toString().contains("\nTLS: its certificate is in " + kept + " (for clients: --ca-cert " + kept
                    + ", or --tls-fingerprint with the fingerprint above)\n"), out.toString());
            assertTrue(Files.readString(kept).startsWith("-----BEGIN CERTIFICATE-----"), () -> kept.toString());
            String target = "127.0.0.1:" + server.server().port();
            assertEquals(0, client("ver", "--ca-cert", kept.toString(), target, "-p", "pw"), cliErr::toString);
            // A CLI trusts it by the printed fingerprint too, and nothing else.
            assertEquals(0, client("ver", "--tls-fingerprint", m.group(1), target, "-p", "pw"), cliErr::toString);
            // Another fingerprint: the first byte changed (always: "00" would be the same one time in 256).
            String other = String.format("%02X", (Integer.parseInt(m.group(1).substring(0, 2), 16) + 1) & 0xFF)
                    + m.group(1).substring(2);
            assertEquals(CliFailure.CONNECTION, client("ver", "--tls-fingerprint", other, target, "-p", "pw"));
            assertTrue(cliErr.toString().startsWith("webrepl: " + target + ": the server's certificate is not trusted ("),
                    cliErr.toString());
            cliErr.getBuffer().setLength(0);
            assertEquals(CliFailure.USAGE, client("ver", "--tls-fingerprint", "12:34", target, "-p", "pw"));
            assertEquals("webrepl: --tls-fingerprint: a SHA-256 fingerprint is 64 hex digits (colons allowed), got '12:34'"
                    + System.lineSeparator(), cliErr.toString());
        }
    }

    @Test
    void theSelfSignedCertificateIsKeptInTheUsersCacheByDefault() {
        String fp = "AB:CD:EF:01:23:45:67:89:" + "00:".repeat(23) + "00";
        assertEquals(Path.of("/home/u/.cache/webrepl/self-signed-abcdef0123456789.pem"),
                SelfSignedTls.defaultCertificateFile(null, "/home/u", fp));
        assertEquals(Path.of("/x/webrepl/self-signed-abcdef0123456789.pem"),
                SelfSignedTls.defaultCertificateFile("/x", "/home/u", fp));
    }

    @Test
    void selfSignedCertificateNamesLoopbackAndTheBindAddress() {
        assertEquals(java.util.List.of("dns:localhost", "ip:127.0.0.1", "ip:::1"), SelfSignedTls.subjectNames("127.0.0.1"));
        assertEquals(java.util.List.of("dns:localhost", "ip:127.0.0.1", "ip:::1"), SelfSignedTls.subjectNames("0.0.0.0"));
        assertEquals(java.util.List.of("dns:localhost", "ip:127.0.0.1", "ip:::1", "ip:10.1.2.3"),
                SelfSignedTls.subjectNames("10.1.2.3"));
        assertEquals(java.util.List.of("dns:localhost", "ip:127.0.0.1", "ip:::1", "dns:repl.example"),
                SelfSignedTls.subjectNames("repl.example"));
    }

    @Test
    void selfSignedLeavesNoRoomForCertificateFiles() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> parse("--port", "0", "--no-admin", "--password", "pw", "--engine", "echo", "--tls-self-signed",
                        "--tls-cert", cert.certificate().toString(), "--tls-key", cert.privateKey().toString()).start());
        assertEquals("--tls-self-signed makes its own certificate: leave out --tls-cert and --tls-key", e.getMessage());
    }

    @Test
    void tlsCertAndKeyGoTogether() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> parse("--port", "0", "--no-admin", "--password", "pw", "--engine", "echo",
                        "--tls-cert", cert.certificate().toString()).start());
        assertEquals("--tls-cert and --tls-key go together: give both (or neither, for plain ws://)", e.getMessage());
        e = assertThrows(CommandLine.ParameterException.class,
                () -> parse("--port", "0", "--no-admin", "--password", "pw", "--engine", "echo",
                        "--tls-key", cert.privateKey().toString()).start());
        assertEquals("--tls-cert and --tls-key go together: give both (or neither, for plain ws://)", e.getMessage());
        assertEquals("", out.toString(), "nothing started, nothing printed");
    }

    @Test
    void aMissingOrUnusableFileIsNamed() throws IOException {
        Path missing = dir.resolve("missing-key.pem");
        StartupFailure e = assertThrows(StartupFailure.class,
                () -> parse("--port", "0", "--no-admin", "--password", "pw", "--engine", "echo",
                        "--tls-cert", cert.certificate().toString(), "--tls-key", missing.toString()).start());
        assertEquals("--tls-key: TLS private key file " + missing + " does not exist or is not a file; give a readable "
                + "PEM file", e.getMessage());
        assertEquals(StartupFailure.TLS, e.exitCode());

        Path missingCert = dir.resolve("missing-cert.pem");
        e = assertThrows(StartupFailure.class,
                () -> parse("--port", "0", "--no-admin", "--password", "pw", "--engine", "echo",
                        "--tls-cert", missingCert.toString(), "--tls-key", cert.privateKey().toString()).start());
        assertEquals("--tls-cert: TLS certificate file " + missingCert + " does not exist or is not a file; give a "
                + "readable PEM file", e.getMessage());
        assertEquals(StartupFailure.TLS, e.exitCode());

        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        e = assertThrows(StartupFailure.class,
                () -> parse("--port", "0", "--no-admin", "--password", "pw", "--engine", "echo", "--root",
                        dir.resolve("root").toString(), "--tls-cert", garbage.toString(),
                        "--tls-key", cert.privateKey().toString()).start());
        assertTrue(e.getMessage().startsWith("cannot use TLS certificate " + garbage + " with key " + cert.privateKey()),
                e.getMessage());
        assertEquals(StartupFailure.TLS, e.exitCode());
    }

    @Test
    void aMissingCaCertIsAUsageError() {
        Path missing = dir.resolve("ca.pem");
        assertEquals(CliFailure.USAGE, client("ver", "--ca-cert", missing.toString(), "127.0.0.1:1", "-p", "pw"));
        assertEquals("webrepl: --ca-cert: trusted certificates file " + missing + " does not exist or is not readable\n",
                cliErr.toString());
    }
}
