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
    void fiveFailuresDelayTheAddressButDoNotLockIt() {
        for (int i = 1; i <= 4; i++) {
            throttle.failed(a);
            assertFalse(throttle.delayed(a));
        }
        assertFalse(throttle.failed(a).lockedOut());
        assertTrue(throttle.delayed(a));
        assertFalse(throttle.lockedOut(a), "delayed, not locked: the right password still logs in");
        assertEquals(Duration.ofMillis(8000), throttle.failed(a).delay(), "the sixth answer waits the cap");
        assertEquals(0, lockouts.get());
        throttle.succeeded(a);
        assertFalse(throttle.delayed(a), "the right password clears the address");
        assertEquals(Duration.ofMillis(500), throttle.failed(a).delay());
    }

    @Test
    void theTwentyFifthFailureLocksOutForFiveMinutesOnce() {
        for (int i = 1; i <= 24; i++) {
            assertFalse(throttle.failed(a).lockedOut());
            assertFalse(throttle.lockedOut(a));
        }
        assertTrue(throttle.failed(a).lockedOut());
        assertTrue(throttle.lockedOut(a));
        assertTrue(throttle.delayed(a));
        assertFalse(throttle.failed(a).lockedOut(), "a late failure during the lockout is not a new lockout");
        assertEquals(1, lockouts.get());
        clock.advance(Duration.ofMinutes(5).minusNanos(1));
        assertTrue(throttle.lockedOut(a));
        clock.advance(Duration.ofNanos(1));
        assertFalse(throttle.lockedOut(a));
        assertFalse(throttle.delayed(a));
        assertEquals(Duration.ofMillis(500), throttle.failed(a).delay(), "after the lockout the count starts afresh");
    }

    @Test
    void theHardLockoutCanBeSetApart() {
        LoginThrottle strict = new LoginThrottle(SecurityOptions.DEFAULTS.withClock(clock)
                .withLoginFailures(2, Duration.ofMinutes(1)).withHardLockoutFailures(3), ConnectionRecorder.NONE);
        strict.failed(a);
        strict.failed(a);
        assertTrue(strict.delayed(a));
        assertFalse(strict.lockedOut(a));
        assertTrue(strict.failed(a).lockedOut());
        assertTrue(strict.lockedOut(a));
        clock.advance(Duration.ofMinutes(1));
        assertFalse(strict.lockedOut(a));
    }

    @Test
    void otherAddressesAreUnaffected() {
        for (int i = 0; i < 25; i++) {
            throttle.failed(a);
        }
        assertTrue(throttle.lockedOut(a));
        assertFalse(throttle.lockedOut(b));
        assertFalse(throttle.delayed(b));
        assertEquals(Duration.ofMillis(500), throttle.failed(b).delay());
    }

    @Test
    void failuresOlderThanTheWindowAreForgotten() {
        for (int i = 0; i < 24; i++) {
            throttle.failed(a);
        }
        clock.advance(Duration.ofMinutes(5));
        assertFalse(throttle.delayed(a));
        assertEquals(Duration.ofMillis(500), throttle.failed(a).delay());
        assertFalse(throttle.lockedOut(a));
        assertFalse(throttle.failed(a).lockedOut(), "the count began again: 2, not 26");
    }

    @Test
    void clearLiftsOneAddressOrAll() {
        for (int i = 0; i < 25; i++) {
            throttle.failed(a);
            throttle.failed(b);
        }
        assertTrue(throttle.lockedOut(a));
        assertTrue(throttle.lockedOut(b));
        assertEquals(1, throttle.clear(a));
        assertFalse(throttle.lockedOut(a));
        assertFalse(throttle.delayed(a));
        assertTrue(throttle.lockedOut(b), "only the address named");
        assertEquals(0, throttle.clear(a), "nothing left to lift");
        assertEquals(Duration.ofMillis(500), throttle.failed(a).delay(), "the count starts afresh");
        assertEquals(1, throttle.clear(null), "all: b was the only hard lockout");
        assertFalse(throttle.lockedOut(b));
        assertEquals(0, throttle.size());
    }

    @Test
    void theTrackedAddressesStayBoundedAndALockoutIsEvictedLast() throws Exception {
        LoginThrottle small = new LoginThrottle(SecurityOptions.DEFAULTS.withClock(clock), ConnectionRecorder.NONE, 3);
        for (int i = 0; i < 25; i++) {
            small.failed(a);
        }
        InetAddress c = InetAddress.getByName("127.0.0.3");
        InetAddress d = InetAddress.getByName("127.0.0.4");
        clock.advance(Duration.ofSeconds(1));
        small.failed(b);
        clock.advance(Duration.ofSeconds(1));
        small.failed(c);
        clock.advance(Duration.ofSeconds(1));
        small.failed(d);
        assertEquals(3, small.size());
        assertTrue(small.lockedOut(a), "the hard lockout stays");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Duration.ofMillis(500), small.failed(b).delay(), "b, the oldest unlocked, made room");
        assertEquals(3, small.size());
        assertEquals(Duration.ofMillis(500), small.failed(c).delay(), "then c");
        assertEquals(Duration.ofMillis(1000), small.failed(b).delay(), "b is tracked again");
        clock.advance(Duration.ofMinutes(5));
        small.failed(InetAddress.getByName("127.0.0.5"));
        assertEquals(1, small.size(), "expired entries are swept first");
        for (int i = 0; i < 2000; i++) {
            small.failed(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}));
            assertTrue(small.size() <= 3);
        }
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
