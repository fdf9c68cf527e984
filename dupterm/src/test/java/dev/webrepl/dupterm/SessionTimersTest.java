package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Fakes.FakePort;
import dev.webrepl.dupterm.Fakes.Harness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Linger after the last terminal, and the idle timeout, on virtual time. */
class SessionTimersTest {
    private static final SessionConfig LINGER_60S = SessionConfig.DEFAULTS.withLinger(Duration.ofSeconds(60))
            .withIdleTimeout(Duration.ZERO);

    Harness harness;

    @AfterEach
    void close() {
        harness.close();
    }

    private static void type(Slot slot, String s) {
        slot.offer(1, s.getBytes(StandardCharsets.UTF_8)).block(Duration.ofSeconds(10));
    }

    @Test
    void aSessionWithInputLingersAndAReattachWithinTheLingerGetsTheScrollbackThenLiveOutput() throws Exception {
        harness = new Harness(LINGER_60S);
        Slot first = harness.open(new FakePort());
        type(first, "1+1\r");
        harness.engine().write("1+1\r\n2\r\n>>> ");
        first.leave("peer-gone", "peer gone");

        harness.timers.advanceTimeBy(Duration.ofSeconds(59));
        assertFalse(first.session().ended());
        FakePort back = new FakePort();
        harness.attach(first, TerminalMode.READ_WRITE, back);
        harness.timers.advanceTimeBy(Duration.ofMinutes(10));
        harness.engine().write("live");

        assertFalse(first.session().ended());
        assertEquals("1+1\r\n2\r\n>>> live", back.drain());
        assertEquals(List.of(), harness.recorder.ended);
        assertEquals(0, harness.engine().closes.get());
    }

    @Test
    void theLingerExpiringEndsTheSession() throws Exception {
        harness = new Harness(LINGER_60S);
        Slot first = harness.open(new FakePort());
        type(first, "x");
        first.leave("peer-gone", "peer gone");

        harness.timers.advanceTimeBy(Duration.ofSeconds(59));
        assertFalse(first.session().ended());
        harness.timers.advanceTimeBy(Duration.ofSeconds(1));

        assertTrue(first.session().ended());
        assertEquals(List.of("linger-expired"), harness.recorder.ended);
        assertEquals(1, harness.engine().closes.get());
        assertEquals(0, harness.registry.size());
    }

    @Test
    void aSessionWithoutInputEndsWhenItsLastTerminalLeaves() throws Exception {
        harness = new Harness(LINGER_60S);
        Slot first = harness.open(new FakePort());
        harness.engine().write("banner");

        first.leave("closed", "closed");

        assertTrue(first.session().ended());
        assertEquals(List.of("detached"), harness.recorder.ended);
        assertEquals(0, harness.registry.size());
    }

    @Test
    void aViewersInputDoesNotMakeTheSessionLinger() throws Exception {
        harness = new Harness(LINGER_60S);
        Slot first = harness.open(new FakePort());
        Slot viewer = harness.attach(first, TerminalMode.VIEW, new FakePort());
        type(viewer, "x");

        first.leave("closed", "closed");
        viewer.leave("closed", "closed");

        assertTrue(first.session().ended());
    }

    @Test
    void lingerZeroEndsTheSessionAtOnceEvenAfterInput() throws Exception {
        harness = new Harness(LINGER_60S.withLinger(Duration.ZERO));
        Slot first = harness.open(new FakePort());
        type(first, "x");

        first.leave("peer-gone", "peer gone");

        assertTrue(first.session().ended());
        assertEquals(List.of("detached"), harness.recorder.ended);
    }

    @Test
    void aBusySessionEndsAtItsTimeLimitWithTheReasonInItsTerminals() throws Exception {
        harness = new Harness(SessionConfig.DEFAULTS.withTimeLimit(Duration.ofMinutes(30)));
        FakePort port = new FakePort();
        Slot slot = harness.open(port);

        harness.timers.advanceTimeBy(Duration.ofMinutes(29));
        type(slot, "x");
        harness.engine().write("x");
        assertFalse(slot.session().ended());
        harness.timers.advanceTimeBy(Duration.ofMinutes(1));

        assertTrue(slot.session().ended());
        assertEquals("x\r\nsession ended: time limit 30 min reached\r\n", port.drain());
        assertEquals(List.of("1000:time limit 30 min reached"), port.closes);
        assertEquals(List.of("time-limit"), harness.recorder.ended);
        assertEquals(1, harness.engine().closes.get());
    }

    @Test
    void anEngineAtASandboxLimitEndsTheSessionWithThatReason() throws Exception {
        harness = new Harness(SessionConfig.DEFAULTS);
        FakePort port = new FakePort();
        Slot slot = harness.open(port);

        harness.engine().context.limitReached("memory limit 512 MiB reached");

        assertTrue(slot.session().ended());
        assertEquals("\r\nsession ended: memory limit 512 MiB reached\r\n", port.drain());
        assertEquals(List.of("1000:memory limit 512 MiB reached"), port.closes);
        assertEquals(List.of("limit"), harness.recorder.ended);
    }

    @Test
    void anIdleSessionEndsAfterTheIdleTimeout() throws Exception {
        harness = new Harness(SessionConfig.DEFAULTS.withIdleTimeout(Duration.ofHours(1)));
        FakePort port = new FakePort();
        Slot slot = harness.open(port);

        harness.timers.advanceTimeBy(Duration.ofMinutes(59));
        assertFalse(slot.session().ended());
        harness.timers.advanceTimeBy(Duration.ofMinutes(1));

        assertTrue(slot.session().ended());
        assertEquals("\r\nsession ended: idle for 3600 s\r\n", port.drain());
        assertEquals(List.of("1000:idle for 3600 s"), port.closes);
        assertEquals(List.of("idle"), harness.recorder.ended);
        assertEquals(0, harness.registry.size());
    }

    @Test
    void inputAndOutputPostponeTheIdleTimeout() throws Exception {
        harness = new Harness(SessionConfig.DEFAULTS.withIdleTimeout(Duration.ofHours(1)));
        Slot slot = harness.open(new FakePort());

        harness.timers.advanceTimeBy(Duration.ofMinutes(30));
        type(slot, "x");
        harness.timers.advanceTimeBy(Duration.ofMinutes(59));
        harness.engine().write("y");
        harness.timers.advanceTimeBy(Duration.ofMinutes(59));
        assertFalse(slot.session().ended());
        harness.timers.advanceTimeBy(Duration.ofMinutes(1));

        assertTrue(slot.session().ended());
        assertEquals(List.of("idle"), harness.recorder.ended);
    }
}
