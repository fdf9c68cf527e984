package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Fakes.FakePort;
import dev.webrepl.dupterm.Fakes.Harness;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * README "Security", --max-sessions-per-address: the sessions an address opened count until they
 * end, lingering ones included, and every way a session ends gives its count back.
 */
class SessionsPerAddressTest {
    private static final int MAX = 3;
    private static final SessionConfig LINGER_1H = SessionConfig.DEFAULTS.withLinger(Duration.ofHours(1))
            .withIdleTimeout(Duration.ZERO);
    private static final InetAddress A = address(127, 0, 0, 1);
    private static final InetAddress B = address(127, 0, 0, 2);

    final Harness harness = new Harness(LINGER_1H);

    @AfterEach
    void close() {
        harness.close();
    }

    private static InetAddress address(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private Slot open(InetAddress from) throws SessionException {
        FakePort port = new FakePort();
        return port.attached(harness.registry.open(port, from, MAX));
    }

    /** Opens a session from {@code from}, types into it and leaves it: it lingers. */
    private Slot openAndLeave(InetAddress from) throws SessionException {
        Slot s = open(from);
        s.offer(1, "x".getBytes(StandardCharsets.UTF_8)).block(Duration.ofSeconds(10));
        s.leave("peer-gone", "peer gone");
        return s;
    }

    @Test
    void lingeringSessionsCountAndOneMoreIsRefusedWith1013() throws Exception {
        for (int i = 0; i < MAX; i++) {
            openAndLeave(A);
        }
        int engines = harness.engines.size();

        SessionException e = assertThrows(SessionException.class, () -> open(A));

        assertEquals(1013, e.closeCode());
        assertEquals("too many sessions from this address", e.getMessage());
        assertEquals(Optional.of("per-address-sessions"), e.refusal());
        assertEquals(engines, harness.engines.size(), "no engine is made for a refused session");
        assertEquals(MAX, harness.registry.size(), "all lingering, none ended");
        assertEquals(MAX, harness.registry.sessionsFrom(A));
        open(B);
        assertEquals(1, harness.registry.sessionsFrom(B));
    }

    @Test
    void attachingToASessionIsNotANewSession() throws Exception {
        Slot first = open(A);
        for (int i = 1; i < MAX; i++) {
            open(A);
        }
        FakePort another = new FakePort();
        another.attached(harness.registry.attach(first.session().id(), TerminalMode.READ_WRITE, another));
        assertEquals(MAX, harness.registry.sessionsFrom(A));
    }

    @Test
    void theLingerExpiringGivesTheCountBack() throws Exception {
        for (int i = 0; i < MAX; i++) {
            openAndLeave(A);
        }
        harness.timers.advanceTimeBy(Duration.ofHours(1));

        assertEquals(0, harness.registry.size());
        assertEquals(0, harness.registry.sessionsFrom(A));
        open(A);
    }

    @Test
    void everyWayASessionEndsGivesItsCountBack() throws Exception {
        open(A).leave("peer-gone", "peer gone");                       // no input: ends as detached
        open(A);
        harness.engine().context.exited(0);                            // the engine exits
        open(A).session().end(Session.NORMAL_CLOSURE, "", "admin");    // ended from outside
        harness.engineSetup = e -> e.failAtStart = new IllegalStateException("no engine today");
        open(A);                                                       // the engine fails to start
        harness.engineSetup = e -> { };

        assertEquals(0, harness.registry.size());
        assertEquals(0, harness.registry.sessionsFrom(A));
        openAndLeave(A);
        open(A);
        harness.registry.close();                                      // shutdown
        assertEquals(0, harness.registry.sessionsFrom(A));
    }

    @Test
    void aSessionThatCannotBeMadeCountsNothing() {
        harness.engineSetup = e -> {
            throw new IllegalStateException("no engine today");
        };
        assertThrows(IllegalStateException.class, () -> open(A));
        assertEquals(0, harness.registry.sessionsFrom(A));
        assertEquals(0, harness.registry.size());
    }

    @Test
    void zeroIsNoLimitAndNoAddressCountsNothing() throws Exception {
        for (int i = 0; i < 2 * MAX; i++) {
            FakePort port = new FakePort();
            port.attached(harness.registry.open(port, A, 0));
            FakePort anonymous = new FakePort();
            anonymous.attached(harness.registry.open(anonymous));
        }
        assertEquals(2 * MAX, harness.registry.sessionsFrom(A));
        assertEquals(4 * MAX, harness.registry.size());
        assertTrue(harness.registry.sessions().stream().noneMatch(Session::ended));
    }
}
