package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.metrics.AdminAccess;
import dev.webrepl.metrics.AdminOptions;
import dev.webrepl.metrics.AdminToken;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.transport.server.ServerOptions;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code webrepl drain ADMIN_URL} and {@code webrepl undrain ADMIN_URL}: POST /drain, /undrain on a node's admin listener. */
class DrainCommandTest {
    private static final String TOKEN = "tok-3f9a1c";
    private static final String UNAUTHORIZED = "{\"error\":\"missing or wrong bearer token (Authorization: Bearer TOKEN)\"}";

    @TempDir
    Path root;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return CapturedCli.webrepl(out, err).execute(args);
    }

    private MonitoredServer node(AdminAccess access) throws Exception {
        return MonitoredServer.start(
                ServerOptions.of(PasswordCheck.plain("pw"), new FileStore(root)).withPort(0), EchoEvaluator::engine,
                SessionConfig.DEFAULTS.withWorkingDirectory(root), new WebReplMetrics(),
                new AdminOptions("127.0.0.1", 0).withAccess(access), Map::of);
    }

    @Test
    void drainsTheNodeBehindTheAdminUrlAndPrintsItsAnswer() throws Exception {
        try (MonitoredServer node = node(AdminAccess.NONE)) {
            assertEquals(0, run("drain", "http://127.0.0.1:" + node.admin().port()), err::toString);
            assertEquals("{\"status\":\"draining\",\"sessions\":0}\n", out.toString());
            assertTrue(node.server().isDraining());
        }
    }

    @Test
    void undrainMakesADrainedNodeTakeSessionsAgain() throws Exception {
        try (MonitoredServer node = node(AdminAccess.NONE)) {
            String url = "http://127.0.0.1:" + node.admin().port();
            assertEquals(0, run("drain", url), err::toString);
            assertTrue(node.server().isDraining());
            assertEquals(0, run("undrain", url), err::toString);
            assertEquals("{\"status\":\"accepting\",\"sessions\":0}\n", out.toString());
            assertFalse(node.server().isDraining());
        }
    }

    @Test
    void withATokenDrainAndUndrainSendTheOneInTheFile() throws Exception {
        Path right = Files.writeString(root.resolve("admin-token"), TOKEN + "\n");
        Path wrong = Files.writeString(root.resolve("wrong-token"), "not-" + TOKEN + "\n");
        try (MonitoredServer node = node(AdminAccess.NONE.withToken(AdminToken.of(TOKEN)))) {
            String url = "http://127.0.0.1:" + node.admin().port();
            assertEquals(1, run("drain", url));
            assertEquals("webrepl: " + url + "/drain answered 401: " + UNAUTHORIZED + "\n", err.toString());
            assertEquals(1, run("drain", "--admin-token-file", wrong.toString(), url));
            assertEquals("webrepl: " + url + "/drain answered 401: " + UNAUTHORIZED + "\n", err.toString());
            assertFalse(node.server().isDraining());

            assertEquals(0, run("drain", "--admin-token-file", right.toString(), url), err::toString);
            assertTrue(node.server().isDraining());
            assertEquals(1, run("undrain", url));
            assertEquals("webrepl: " + url + "/undrain answered 401: " + UNAUTHORIZED + "\n", err.toString());
            assertEquals(0, run("undrain", "--admin-token-file", right.toString(), url), err::toString);
            assertFalse(node.server().isDraining());
        }
    }

    @Test
    void serveWithAdminTokenFileIsDrainedAndUndrainedByTheCli() throws Exception {
        Path token = Files.writeString(root.resolve("admin-token"), TOKEN + "\n");
        StringWriter serveOut = new StringWriter();
        try (MonitoredServer node = CapturedCli.parseServe(serveOut, "--port", "0", "--admin-port", "0",
                "--root", root.toString(), "--password", "pw", "--engine", "echo",
                "--admin-token-file", token.toString(), "--admin-allowed-host", "admin.example").start()) {
            String url = "http://127.0.0.1:" + node.admin().port();
            assertEquals(1, run("drain", url));
            assertFalse(node.server().isDraining());
            assertEquals(0, run("drain", "--admin-token-file", token.toString(), url), err::toString);
            assertEquals("{\"status\":\"draining\",\"sessions\":0}\n", out.toString());
            assertTrue(node.server().isDraining());
            assertEquals(0, run("undrain", "--admin-token-file", token.toString(), url), err::toString);
            assertFalse(node.server().isDraining());
        }
    }

    @Test
    void anUnusableTokenFileIsAOneLineUsageError() {
        Path missing = root.resolve("missing");
        assertEquals(2, run("drain", "--admin-token-file", missing.toString(), "http://127.0.0.1:1"));
        assertTrue(err.toString().startsWith("--admin-token-file: " + missing + ": no such file\n"), err.toString());
        assertFalse(err.toString().contains("Exception"), err.toString());
    }

    @Test
    void aClosedPortIsExit5() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        assertEquals(5, run("drain", "http://127.0.0.1:" + port));
        assertEquals("webrepl: http://127.0.0.1:" + port + "/drain: connection refused\n", err.toString());
    }
}
