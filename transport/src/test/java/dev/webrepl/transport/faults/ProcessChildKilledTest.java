package dev.webrepl.transport.faults;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.process.ProcessEngine;
import dev.webrepl.engines.process.ProcessEngineConfig;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A process engine's child killed from outside ({@code kill -9}): its session ends with "engine
 * exited with status ..." and close 1000 for its terminal; another process session carries on.
 */
@Timeout(60)
class ProcessChildKilledTest extends FaultsTestBase {
    private static final Pattern ENDED = Pattern.compile("(?s).*\r\nsession ended: engine exited with status -?\\d+\r\n");

    @Test
    void killedChildEndsItsSessionOnly() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
        List<ProcessEngine> made = new CopyOnWriteArrayList<>();
        ProcessEngineConfig shell = new ProcessEngineConfig(List.of("/bin/sh"), Map.of("PATH", "/usr/bin:/bin"),
                root, 80, 24, Duration.ofSeconds(2));
        restart(SessionConfig.DEFAULTS.withLinger(Duration.ZERO), () -> {
            ProcessEngine e = new ProcessEngine(shell);
            made.add(e);
            return e;
        });
        RawWebSocket victim = loggedIn();
        RawWebSocket survivor = loggedIn();
        await("both shells started", () -> made.size() == 2 && started(made.get(0)) && started(made.get(1)));
        ProcessHandle child = ProcessHandle.of(made.get(0).pid()).orElseThrow();

        assertTrue(child.destroyForcibly(), "SIGKILL sent");

        StringBuilder text = new StringBuilder();
        int code = readToClose(victim, text);
        assertTrue(ENDED.matcher(text).matches(), "victim got: " + RawWebSocket.show(text.toString().getBytes(StandardCharsets.UTF_8)));
        assertEquals(1000, code);
        await("the session ended", () -> server.sessions().size() == 1);
        assertEquals(List.of("engine-exit"), ends);

        survivor.send(frame(0x81, ascii("echo ok$((40+2))\r")));
        StringBuilder out = new StringBuilder();
        while (!out.toString().contains("ok42\r\n")) {
            RawWebSocket.Frame f = survivor.readFrame();
            assertEquals(1, f.opcode(), "expected text, got " + f);
            out.append(new String(f.payload(), StandardCharsets.UTF_8));
        }
    }

    /** Whether the engine has its child yet (pid() throws until it has); also used by ProcessFloodDisconnectTest. */
    static boolean started(ProcessEngine e) {
        try {
            e.pid();
            return true;
        } catch (IllegalStateException notYet) {
            return false;
        }
    }

    /** Appends the text frames to {@code text} up to the close frame; returns its code (also CtrlCAtConnectTest's). */
    static int readToClose(RawWebSocket c, StringBuilder text) throws IOException {
        while (true) {
            RawWebSocket.Frame f = c.readFrame();
            if (f.opcode() == 8) {
                return ((f.payload()[0] & 0xFF) << 8) | (f.payload()[1] & 0xFF);
            }
            assertEquals(1, f.opcode(), "expected text or close, got " + f);
            text.append(new String(f.payload(), StandardCharsets.UTF_8));
        }
    }
}
