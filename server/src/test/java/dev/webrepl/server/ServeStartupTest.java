package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.testkit.tls.TestCertificate;
import java.io.IOException;
import java.io.StringWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 items 8 and 9: each start-up mistake is one line on stderr and its own exit status (README
 * "`webrepl serve`", exit status table), and the banner names the URL a person opens.
 */
@Timeout(60)
class ServeStartupTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int serve(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        return CapturedCli.webrepl(out, err).execute(all);
    }

    /** A port on 127.0.0.1 that another program holds while the test runs. */
    private static ServerSocket taken() throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        return s;
    }

    @Test
    void aPortInUseIsOneLineAndExit10() throws IOException {
        try (ServerSocket other = taken()) {
            int port = other.getLocalPort();
            assertEquals(10, serve("--port", "" + port, "--no-admin", "--root", dir.toString(), "--password", "pw",
                    "--engine", "echo"));
            assertEquals("webrepl: port " + port + " on 127.0.0.1 is in use; stop the program using it, or choose "
                    + "another with --port (0 = any free port)\n", err.toString());
            assertEquals("", out.toString());
        }
    }

    @Test
    void anAdminPortGivenAndInUseIsOneLineAndExit10() throws IOException {
        try (ServerSocket other = taken()) {
            int port = other.getLocalPort();
            assertEquals(10, serve("--port", "0", "--admin-port", "" + port, "--root", dir.toString(), "--password", "pw",
                    "--engine", "echo"));
            assertEquals("webrepl: admin port " + port + " on 127.0.0.1 is in use; stop the program using it, or choose "
                    + "another with --admin-port (0 = any free port) or run without the admin listener: --no-admin\n",
                    err.toString());
            assertEquals("", out.toString());
        }
    }

    @Test
    void aHostThatIsNotThisMachinesIsOneLineAndExit11() {
        // 192.0.2.0/24 is for documentation (RFC 5737), never a real interface's; .invalid never resolves.
        assertEquals(11, serve("--host", "192.0.2.77", "--port", "0", "--no-admin", "--root", dir.toString(),
                "--password", "pw", "--engine", "echo"));
        assertEquals(ServeCommand.plainTextWarning("192.0.2.77", false) + "\nwebrepl: cannot listen on 192.0.2.77: "
                + "not an address of this machine; choose one with --host (0.0.0.0: all of them)\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(11, serve("--port", "0", "--admin-host", "nosuch.invalid", "--root", dir.toString(),
                "--password", "pw", "--engine", "echo"));
        assertEquals("webrepl: cannot listen on nosuch.invalid: no such host name; choose an address of this machine "
                + "with --admin-host (0.0.0.0: all of them)\n", err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void theDefaultAdminPortInUseIsAWarningAndTheServerRunsOn() throws Exception {
        ServerSocket other = new ServerSocket();
        try {
            try {
                other.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8267));
            } catch (BindException alreadyTaken) {
                // Another program holds it already: the same situation.
            }
            try (MonitoredServer server = CapturedCli.parseServe(out, err, "--port", "0", "--root", dir.toString(),
                    "--password", "pw", "--engine", "echo").start()) {
                assertNull(server.admin());
                assertEquals("WARNING: admin port 8267 on 127.0.0.1 is in use; running without the admin listener (no "
                        + "/metrics, /health or dashboard). Choose another with --admin-port, or --no-admin.\n",
                        err.toString());
                int port = server.server().port();
                assertEquals("webrepl serving http://127.0.0.1:" + port + "/ (files in " + dir.toRealPath()
                        + ", engine echo)\n", out.toString());
                HttpResponse<String> page = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode(), "the server runs on");
            }
        } finally {
            other.close();
        }
    }

    @Test
    void aRootThatCannotBeCreatedIsOneLineAndExit12() throws IOException {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        Path root = file.resolve("files");
        assertEquals(12, serve("--port", "0", "--no-admin", "--root", root.toString(), "--password", "pw",
                "--engine", "echo"));
        assertEquals("webrepl: cannot create the file root " + root + " (Not a directory); choose a directory that "
                + "can be created, with --root\n", err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void aMissingTlsKeyIsOneLineAndExit13() throws IOException {
        TestCertificate cert = TestCertificate.generate(dir.resolve("tls"));
        Path missing = dir.resolve("missing-key.pem");
        assertEquals(13, serve("--port", "0", "--no-admin", "--root", dir.toString(), "--password", "pw", "--engine",
                "echo", "--tls-cert", cert.certificate().toString(), "--tls-key", missing.toString()));
        assertEquals("webrepl: --tls-key: TLS private key file " + missing + " does not exist or is not a file; give a "
                + "readable PEM file\n", err.toString());
    }

    @Test
    void aTlsCertificateThatIsNotPemIsOneLineAndExit13() throws IOException {
        TestCertificate cert = TestCertificate.generate(dir.resolve("tls"));
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        assertEquals(13, serve("--port", "0", "--no-admin", "--root", dir.resolve("root").toString(), "--password",
                "pw", "--engine", "echo", "--tls-cert", garbage.toString(), "--tls-key", cert.privateKey().toString()));
        String line = err.toString();
        assertTrue(line.startsWith("webrepl: cannot use TLS certificate " + garbage + " with key " + cert.privateKey()
                + ": "), line);
        assertTrue(line.endsWith("; give a PEM certificate chain and its PKCS#8 PEM key (README \"`webrepl serve`\", "
                + "TLS)\n"), line);
        assertEquals(1, line.split("\n", -1).length - 1, "one line: " + line);
        assertEquals("", out.toString());
    }

    @Test
    void aUsageErrorIsTheErrorAndOneLinePointingAtHelp() {
        assertEquals(2, serve("--port", "eighty"));
        assertEquals("Invalid value for option '--port': 'eighty' is not an int\n"
                + "Try 'webrepl serve --help' for more information.\n", err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void aUsageErrorFoundAtStartIsAlsoTwoLines() {
        assertEquals(2, serve("--port", "0", "--no-admin", "--root", dir.toString(), "--password", "pw",
                "--engine", "echo", "--command", "/bin/sh"));
        assertEquals("--command needs --engine process\nTry 'webrepl serve --help' for more information.\n",
                err.toString());
    }

    /** Issue 17 item 7, end to end: a program that cannot start is refused before the server listens. */
    @Test
    void aProgramThatCannotStartIsRefusedWithExit2BeforeAnythingListens() {
        assertEquals(2, serve("--port", "0", "--no-admin", "--root", dir.toString(), "--password", "pw",
                "--engine", "process", "--command", "/usr/bin/nonexistent", "--sandbox", "none"));
        assertEquals("cannot start process: /usr/bin/nonexistent is not an executable file\n"
                + "Try 'webrepl serve --help' for more information.\n", err.toString());
        assertEquals("", out.toString(), "no banner: nothing was served");
    }

    @Test
    void aMissingPasswordFileIsAUsageErrorNotAStackTrace() {
        Path missing = dir.resolve("no-such-pw");
        assertEquals(2, serve("--port", "0", "--no-admin", "--root", dir.toString(), "--password-file",
                missing.toString(), "--engine", "echo"));
        assertEquals("--password-file: " + missing + ": no such file\nTry 'webrepl serve --help' for more information.\n",
                err.toString());
    }

    @Test
    void theBannerNamesTheUrlToOpenAndTheAdminListeners() throws Exception {
        try (MonitoredServer server = CapturedCli.parseServe(out, err, "--port", "0", "--admin-port", "0", "--root",
                dir.toString(), "--password", "pw", "--engine", "echo").start()) {
            assertEquals("webrepl serving http://127.0.0.1:" + server.server().port() + "/ (files in "
                    + dir.toRealPath() + ", engine echo)\n"
                    + "admin http://127.0.0.1:" + server.admin().port() + "/ (metrics, health, sessions, dashboard)\n",
                    out.toString());
            assertEquals("", err.toString());
        }
    }

    @Test
    void theBannerSaysHttpsWithTls() throws Exception {
        TestCertificate cert = TestCertificate.generate(dir.resolve("tls"));
        Path root = Files.createDirectory(dir.resolve("root"));
        try (MonitoredServer server = CapturedCli.parseServe(out, err, "--port", "0", "--admin-port", "0", "--root",
                root.toString(), "--password", "pw", "--engine", "echo", "--tls-cert", cert.certificate().toString(),
                "--tls-key", cert.privateKey().toString()).start()) {
            assertEquals("webrepl serving https://127.0.0.1:" + server.server().port() + "/ (files in "
                    + root.toRealPath() + ", engine echo)\n"
                    + "admin https://127.0.0.1:" + server.admin().port() + "/ (metrics, health, sessions, dashboard)\n",
                    out.toString());
        }
    }

    @Test
    void theBannerOfAnIpv6LoopbackBindHasBrackets() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ipv6Loopback(), "no ::1 here");
        try (MonitoredServer server = CapturedCli.parseServe(out, err, "--host", "::1", "--port", "0",
                "--admin-host", "::1", "--admin-port", "0", "--root", dir.toString(), "--password", "pw",
                "--engine", "echo").start()) {
            assertEquals("webrepl serving http://[::1]:" + server.server().port() + "/ (files in " + dir.toRealPath()
                    + ", engine echo)\nadmin http://[::1]:" + server.admin().port()
                    + "/ (metrics, health, sessions, dashboard)\n", out.toString());
        }
    }

    @Test
    void onEveryAddressTheBannerListsThisMachinesAddressesEachServingThePage() throws Exception {
        String password = Long.toHexString(new java.security.SecureRandom().nextLong());
        try (MonitoredServer server = CapturedCli.parseServe(out, err, "--host", "0.0.0.0", "--port", "0",
                "--no-admin", "--root", dir.toString(), "--password", password, "--engine", "echo").start()) {
            int port = server.server().port();
            List<String> lines = out.toString().lines().toList();
            assertEquals("webrepl serving http://127.0.0.1:" + port + "/ (files in " + dir.toRealPath() + ", engine echo)",
                    lines.get(0));
            assertFalse(out.toString().contains("0.0.0.0"), out.toString());
            HttpClient http = HttpClient.newHttpClient();
            for (String line : lines.subList(1, lines.size())) {
                // Java binds 0.0.0.0 as a dual-stack socket, so IPv6 addresses are listed too, in brackets.
                assertTrue(line.matches("  http://(\\d+\\.\\d+\\.\\d+\\.\\d+|\\[[0-9a-f:]+\\]):" + port + "/"), line);
                HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(line.strip())).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode(), line);
            }
            assertEquals(ServeCommand.plainTextWarning("0.0.0.0", false) + "\n", err.toString());
        }
    }

    @Test
    void aWildcardListsLoopbackFirstIpv6InBracketsAndLeavesOutLinkLocal() throws IOException {
        List<InetAddress> machine = List.of(InetAddress.getByName("192.168.4.7"), InetAddress.getByName("fe80::1"),
                InetAddress.getByName("2001:db8:0:0:1:0:0:5"), InetAddress.getByName("::1"),
                InetAddress.getByName("127.0.0.1"), InetAddress.getByName("169.254.3.3"));
        assertEquals(List.of("http://127.0.0.1:8266/", "http://192.168.4.7:8266/"),
                ListenAddresses.urls("http", new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 8266), machine));
        assertEquals(List.of("https://127.0.0.1:9/", "https://[::1]:9/", "https://192.168.4.7:9/",
                        "https://[2001:db8::1:0:0:5]:9/"),
                ListenAddresses.urls("https", new InetSocketAddress(InetAddress.getByName("::"), 9), machine));
        assertEquals(List.of("http://10.0.0.2:80/"),
                ListenAddresses.urls("http", new InetSocketAddress(InetAddress.getByName("10.0.0.2"), 80), machine));
        assertEquals("[2001:db8::1]", ListenAddresses.urlHost(InetAddress.getByName("2001:db8:0:0:0:0:0:1")));
        assertEquals("[1:0:1::]", ListenAddresses.urlHost(InetAddress.getByName("1:0:1:0:0:0:0:0")));
        assertEquals("[1:0:2:3:4:5:6:7]", ListenAddresses.urlHost(InetAddress.getByName("1:0:2:3:4:5:6:7")));
        assertEquals("[::]", ListenAddresses.urlHost(InetAddress.getByName("::")));
    }

    @Test
    void anAdminListenerBeyondLoopbackIsWarnedAbout() {
        assertEquals("WARNING: admin listener on 0.0.0.0 without TLS or --admin-token-file: anyone who reaches it can "
                + "list and end sessions, in clear text. Use --tls-cert/--tls-key and --admin-token-file, or "
                + "--admin-host 127.0.0.1 (README \"Security\").", ServeCommand.adminWarning("0.0.0.0", false, false));
        assertEquals("WARNING: admin listener on 192.168.4.1 without TLS: its token, meters and session list cross the "
                + "network in clear text. Use --tls-cert/--tls-key, or --admin-host 127.0.0.1 (README \"Security\").",
                ServeCommand.adminWarning("192.168.4.1", false, true));
        assertEquals("WARNING: admin listener on :: without --admin-token-file: anyone who reaches it can list and end "
                + "sessions. Use --admin-token-file, or --admin-host 127.0.0.1 (README \"Security\").",
                ServeCommand.adminWarning("::", true, false));
        assertNull(ServeCommand.adminWarning("0.0.0.0", true, true));
        assertNull(ServeCommand.adminWarning("127.0.0.1", false, false));
        assertNull(ServeCommand.adminWarning("::1", false, false));
    }

    @Test
    void servingTheAdminListenerOnEveryAddressPrintsTheWarning() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), Long.toHexString(new java.security.SecureRandom().nextLong())
                + "\n");
        try (MonitoredServer server = CapturedCli.parseServe(out, err, "--port", "0", "--admin-host", "0.0.0.0",
                "--admin-port", "0", "--admin-token-file", token.toString(), "--root", dir.resolve("r").toString(),
                "--password", "pw", "--engine", "echo").start()) {
            assertEquals(ServeCommand.adminWarning("0.0.0.0", false, true) + "\n", err.toString());
            assertTrue(out.toString().contains("\nadmin http://127.0.0.1:" + server.admin().port()
                    + "/ (metrics, health, sessions, dashboard)\n"), out.toString());
        }
    }

    private static boolean ipv6Loopback() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
