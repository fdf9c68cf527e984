package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.core.audit.Peer;
import dev.webrepl.core.audit.SessionStart;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.TerminalSize;
import dev.webrepl.dupterm.Fakes.FakePort;
import dev.webrepl.dupterm.Fakes.Harness;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import dev.webrepl.core.users.User;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A session's tap (recordings, the audit log) sees what its terminals get, its input, resizes and its end. */
class SessionTapTest {
    private Harness harness;

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void theTapSeesOutputExactlyAsTerminalsGetItThenInputResizesAndTheEnd() throws Exception {
        harness = new Harness(SessionConfig.DEFAULTS);
        FakePort port = new FakePort();
        Peer ann = new Peer("ann", "192.0.2.7");
        Slot slot = port.attached(harness.registry.open(port, InetAddress.getByName(ann.address()), 0,
                new User(ann.user(), false), harness.registry.config().workingDirectory(), 0));
        EngineOutput out = harness.engine().context.output();

        out.write("2\r\n>>> ".getBytes(StandardCharsets.UTF_8));
        out.write(new byte[] {'4', (byte) 0xE2, (byte) 0x82});
        out.write(new byte[] {(byte) 0xAC, (byte) 0xFF, '\r', '\n'});
        String received = port.drain();
        slot.offer(0, "x".getBytes(StandardCharsets.UTF_8)).block();
        slot.resize(100, 30);
        harness.engine().context.exited(0);

        assertEquals(List.of(new SessionStart(slot.session().id(), "controlledengine", ann, TerminalSize.DEFAULT)),
                harness.recorder.starts);
        // The euro sign waits for its last byte, as for the terminals; 0xFF is U+FFFD for both.
        assertEquals(List.of("o:2\r\n>>> ", "o:4", "o:\u20ac\ufffd\r\n", "i:x", "r:100x30",
                "o:\r\nsession ended: engine exited with status 0\r\n", "end:engine-exit"), harness.recorder.tapped);
        assertEquals("2\r\n>>> 4\u20ac\ufffd\r\n", received);
    }

    @Test
    void severalRecordersAsOnePassOnEveryMethod() {
        // A method added to SessionRecorder and not passed on would silently reach only the first recorder.
        List<String> missing = new ArrayList<>();
        Class<?> combined = SessionRecorders.of(new SessionRecorder() {
        }, new SessionRecorder() {
        }).getClass();
        for (Method m : SessionRecorder.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            try {
                combined.getDeclaredMethod(m.getName(), m.getParameterTypes());
            } catch (NoSuchMethodException e) {
                missing.add(m.getName() + Arrays.toString(m.getParameterTypes()));
            }
        }
        assertEquals(List.of(), missing);
    }
}
