package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.metrics.AdminOptions;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.transport.server.ServerOptions;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code webrepl drain ADMIN_URL}: POST /drain on a node's admin listener. */
class DrainCommandTest {
    @TempDir
    Path root;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return CapturedCli.webrepl(out, err).execute(args);
    }

    @Test
    void drainsTheNodeBehindTheAdminUrlAndPrintsItsAnswer() throws Exception {
        try (MonitoredServer node = MonitoredServer.start(
                ServerOptions.of(PasswordCheck.plain("pw"), new FileStore(root)).withPort(0), EchoEvaluator::engine,
                SessionConfig.DEFAULTS.withWorkingDirectory(root), new WebReplMetrics(),
                new AdminOptions("127.0.0.1", 0), Map::of)) {
            assertEquals(0, run("drain", "http://127.0.0.1:" + node.admin().port()), err::toString);
            assertEquals("{\"status\":\"draining\",\"sessions\":0}\n", out.toString());
            assertTrue(node.server().isDraining());
        }
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
