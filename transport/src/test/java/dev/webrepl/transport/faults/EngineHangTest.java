package dev.webrepl.transport.faults;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An engine that hangs (stuck in an evaluation: it reads no input and writes nothing) is not
 * detected as failed: Ctrl-C still reaches it, and the session's idle timeout ends it with a
 * reason. Meanwhile the server and the other sessions carry on.
 */
@Timeout(60)
class EngineHangTest extends FaultsTestBase {

    @Test
    void hungEngineIsInterruptibleEndsAtTheIdleTimeoutAndOthersCarryOn() throws Exception {
        AtomicReference<ScriptedEngine> hung = new AtomicReference<>();
        restart(SessionConfig.DEFAULTS.withIdleTimeout(Duration.ofSeconds(2)), () -> {
            ScriptedEngine e = new ScriptedEngine();
            return hung.compareAndSet(null, e) ? e : EchoEvaluator.engine();
        });
        RawWebSocket stuck = loggedIn();
        RawWebSocket other = loggedIn();
        stuck.send(frame(0x81, ascii("while True: pass\r")), frame(0x81, new byte[] {3}));
        await("Ctrl-C reached the hung engine", () -> hung.get().interrupts.get() == 1);

        assertEquals("7\r\n>>> ", typeLine(other, "7"));

        stuck.expectTextThenClose("\r\nsession ended: idle for 2 s\r\n", 1000);
        await("the hung engine is closed", () -> hung.get().closes.get() == 1);
        // The other session may end at its own idle timeout by now (same limit): a new one still works.
        assertEquals("8\r\n>>> ", typeLine(loggedIn(), "8"));
    }

    /** Types {@code line} and Enter; returns the echo up to the next prompt. */
    private static String typeLine(RawWebSocket c, String line) throws IOException {
        c.send(frame(0x81, ascii(line + "\r")));
        StringBuilder text = new StringBuilder();
        while (!text.toString().endsWith(">>> ")) {
            RawWebSocket.Frame f = c.readFrame();
            assertTrue(f.opcode() == 1, "expected text, got " + f);
            text.append(new String(f.payload(), StandardCharsets.UTF_8));
        }
        return text.toString().replace(line + "\r\n" + line, line);
    }
}
