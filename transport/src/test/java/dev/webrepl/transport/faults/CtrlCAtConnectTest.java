package dev.webrepl.transport.faults;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.process.ProcessEngine;
import dev.webrepl.engines.process.ProcessEngineConfig;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thonny sends Ctrl-C right after the password, to stop whatever a board runs (issue 16 point 4). A
 * program that has not yet set up its terminal dies of that SIGINT (status 130) and the session with
 * it; the session holds input and Ctrl-C until the program takes terminal input, then delivers them
 * in order.
 */
@Timeout(60)
class CtrlCAtConnectTest extends FaultsTestBase {
    /**
     * A program that starts slowly: for 0.3 s it would die of SIGINT; then it catches it, says so,
     * and answers each line.
     */
    private static final String SLOW_STARTER =
            "sleep 0.3; trap 'echo caught' INT; echo ready; while :; do read line && echo \"got:$line\"; done";

    @Test
    void aCtrlCSentWithThePasswordReachesTheProgramOnlyOnceItReadsAndTheSessionLives() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/wchan")), "needs Linux /proc");
        ProcessEngineConfig slow = new ProcessEngineConfig(List.of("/bin/sh", "-c", SLOW_STARTER),
                Map.of("PATH", "/usr/bin:/bin"), root, 80, 24, Duration.ofSeconds(2));
        restart(SessionConfig.DEFAULTS.withLinger(Duration.ZERO), () -> new ProcessEngine(slow));
        RawWebSocket c = connect().handshake();

        // Thonny's bytes: the password line and Ctrl-C, back to back (here in one TCP write).
        c.sendTogether(frame(0x81, ascii("secret\n")), frame(0x81, new byte[] {3}));
        c.expect(RawWebSocket.CONNECTED_FRAME);
        c.expectSessionLine();
        // The tty echoes the Ctrl-C as ^C, then the trap (installed by now) answers it.
        c.expectText("ready\r\n^Ccaught\r\n");

        c.send(frame(0x81, ascii("hello\r")));
        c.expectText("hello\r\ngot:hello\r\n");
        assertEquals(1, server.sessions().size(), "the session lives");
        assertEquals(List.of(), ends);
    }

    @Test
    void aCtrlCWhileTheProgramStartsIsHeldUntilItReads() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/wchan")), "needs Linux /proc");
        // The same start, with the Ctrl-C sent surely inside the unsafe second (after "starting").
        ProcessEngineConfig slow = new ProcessEngineConfig(List.of("/bin/sh", "-c", "echo starting; sleep 1; "
                + SLOW_STARTER), Map.of("PATH", "/usr/bin:/bin"), root, 80, 24, Duration.ofSeconds(2));
        restart(SessionConfig.DEFAULTS.withLinger(Duration.ZERO), () -> new ProcessEngine(slow));
        RawWebSocket c = loggedIn();
        c.expectText("starting\r\n");

        c.send(frame(0x81, new byte[] {3}), frame(0x81, ascii("hello\r")));

        // In order at the pty: ^C, then hello. The tty echoes hello while the trap runs, so the two
        // lines after ^C come in either order.
        StringBuilder text = new StringBuilder();
        while (!text.toString().endsWith("got:hello\r\n")) {
            RawWebSocket.Frame f = c.readFrame();
            assertEquals(1, f.opcode(), "expected text, got " + f);
            text.append(new String(f.payload(), StandardCharsets.UTF_8));
        }
        assertTrue(List.of("ready\r\n^Ccaught\r\nhello\r\ngot:hello\r\n", "ready\r\n^Chello\r\ncaught\r\ngot:hello\r\n")
                .contains(text.toString()), RawWebSocket.show(text.toString().getBytes(StandardCharsets.UTF_8)));
        assertEquals(1, server.sessions().size(), "the session lives");
    }

    @Test
    void withoutTheHoldTheSameCtrlCKillsTheProgram() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/wchan")), "needs Linux /proc");
        // What the hold prevents, shown with a program that never reads its terminal (so it is never
        // ready) and a bound of 0: Ctrl-C goes at once and SIGINT ends the program and the session.
        ProcessEngineConfig slow = new ProcessEngineConfig(List.of("/bin/sh", "-c", "exec sleep 30"),
                Map.of("PATH", "/usr/bin:/bin"), root, 80, 24, Duration.ofSeconds(2));
        restart(SessionConfig.DEFAULTS.withLinger(Duration.ZERO).withReadyTimeout(Duration.ZERO),
                () -> new ProcessEngine(slow));
        RawWebSocket c = connect().handshake();
        c.sendTogether(frame(0x81, ascii("secret\n")), frame(0x81, new byte[] {3}));
        c.expect(RawWebSocket.CONNECTED_FRAME);
        c.expectSessionLine();

        StringBuilder text = new StringBuilder();
        int code = ProcessChildKilledTest.readToClose(c, text);
        assertEquals("^C\r\nsession ended: engine exited with status 130\r\n", text.toString());
        assertEquals(1000, code);
    }
}
