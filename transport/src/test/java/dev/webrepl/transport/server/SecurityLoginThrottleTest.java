package dev.webrepl.transport.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.protocol.ConnectionRecorder;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The throttle's decisions in virtual time: delays, lockout, its expiry, the window, other addresses. */
class SecurityLoginThrottleTest {
    /** A clock that moves only when told. */
    private static final class FakeClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private final FakeClock clock = new FakeClock();
    private final AtomicInteger lockouts = new AtomicInteger();
    private final LoginThrottle throttle = new LoginThrottle(SecurityOptions.DEFAULTS.withClock(clock),
            new ConnectionRecorder() {
                @Override
                public void lockedOut() {
                    lockouts.incrementAndGet();
                }
            });
    private final InetAddress a = InetAddress.getLoopbackAddress();
    private final InetAddress b;

    SecurityLoginThrottleTest() throws Exception {
        b = InetAddress.getByName("127.0.0.2");
    }

    @Test
    void eachFailureDoublesTheDelayUpToTheCap() {
        assertEquals(Duration.ofMillis(500), throttle.failed(a).delay());
        assertEquals(Duration.ofMillis(1000), throttle.failed(a).delay());
        assertEquals(Duration.ofMillis(2000), throttle.failed(a).delay());
        assertEquals(Duration.ofMillis(4000), throttle.failed(a).delay());
        assertEquals(Duration.ofMillis(8000), throttle.delay(5));
        assertEquals(Duration.ofMillis(8000), throttle.delay(6), "capped at 8 s");
        assertEquals(Duration.ofMillis(8000), throttle.delay(Integer.MAX_VALUE), "no overflow");
    }

    @Test
    void theFifthFailureLocksOutForFiveMinutesOnce() {
        for (int i = 1; i <= 4; i++) {
            assertFalse(throttle.failed(a).lockedOut());
            assertFalse(throttle.lockedOut(a));
        }
        assertTrue(throttle.failed(a).lockedOut());
        assertTrue(throttle.lockedOut(a));
        assertFalse(throttle.failed(a).lockedOut(), "a late failure during the lockout is not a new lockout");
        assertEquals(1, lockouts.get());
        clock.advance(Duration.ofMinutes(5).minusNanos(1));
        assertTrue(throttle.lockedOut(a));
        clock.advance(Duration.ofNanos(1));
        assertFalse(throttle.lockedOut(a));
        assertEquals(Duration.ofMillis(500), throttle.failed(a).delay(), "after the lockout the count starts afresh");
    }

    @Test
    void otherAddressesAreUnaffected() {
        for (int i = 0; i < 5; i++) {
            throttle.failed(a);
        }
        assertTrue(throttle.lockedOut(a));
        assertFalse(throttle.lockedOut(b));
        assertEquals(Duration.ofMillis(500), throttle.failed(b).delay());
    }

    @Test
    void failuresOlderThanTheWindowAreForgotten() {
        for (int i = 0; i < 4; i++) {
            throttle.failed(a);
        }
        clock.advance(Duration.ofMinutes(5));
        assertEquals(Duration.ofMillis(500), throttle.failed(a).delay());
        assertFalse(throttle.lockedOut(a));
    }

    @Test
    void aSuccessClearsTheAddress() {
        for (int i = 0; i < 4; i++) {
            throttle.failed(a);
        }
        throttle.succeeded(a);
        assertEquals(Duration.ofMillis(500), throttle.failed(a).delay());
        assertFalse(throttle.lockedOut(a));
        assertEquals(0, lockouts.get());
    }
}
