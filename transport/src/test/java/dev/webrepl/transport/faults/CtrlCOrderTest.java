package dev.webrepl.transport.faults;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;

import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.process.ProcessEngine;
import dev.webrepl.engines.process.ProcessEngineConfig;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keys typed before a Ctrl-C reach the program before it, as on a terminal, even when they arrive
 * with it in one TCP read: terminal input is taken on the connection's event loop, in the order the
 * frames are decoded, and written to a pty that takes it at once (issue #19). Before, the keys went
 * to a worker thread while Ctrl-C was seen on the event loop, and it could discard them.
 */
@Timeout(60)
class CtrlCOrderTest extends FaultsTestBase {
    /** Catches SIGINT and answers each line; noflsh: the tty keeps the typed line and its echo at ^C. */
    private static final String LINES = "stty noflsh; trap 'echo caught' INT; echo ready; "
            + "while :; do read line && echo \"got:$line\"; done";

    @Test
    void keysSentTogetherWithACtrlCReachTheProgramBeforeIt() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/wchan")), "needs Linux /proc");
        ProcessEngineConfig shell = new ProcessEngineConfig(List.of("/bin/sh", "-c", LINES),
                Map.of("PATH", "/usr/bin:/bin"), root, 80, 24, Duration.ofSeconds(2));
        restart(SessionConfig.DEFAULTS.withLinger(Duration.ZERO), () -> new ProcessEngine(shell));
        RawWebSocket c = loggedIn();
        c.expectText("ready\r\n");
        // One line answered: the program reads its terminal, so input is no longer held.
        c.send(frame(0x81, ascii("x\r")));
        c.expectText("x\r\ngot:x\r\n");

        c.sendTogether(frame(0x81, ascii("a")), frame(0x81, ascii("b")), frame(0x81, new byte[] {3}));

        // The tty echoes a, b, then ^C; the trap answers; the line typed so far is kept (noflsh).
        c.expectText("ab^Ccaught\r\n");
        c.send(frame(0x81, ascii("c\r")));
        c.expectText("c\r\ngot:abc\r\n");
    }
}
