package dev.webrepl.transport.server;

import dev.webrepl.core.protocol.ConnectionRecorder;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per remote address (one per server): each failure delays its answer longer, and
 * {@code maxLoginFailures} of them within the lockout period lock the address out for that period
 * (README "Security"). A success clears the address. Other addresses are never affected.
 *
 * <p>Thread-safe: connections of one address may fail on different workers at once.
 */
final class LoginThrottle {
    private static final System.Logger LOG = System.getLogger(LoginThrottle.class.getName());
    /** Past this many tracked addresses, expired ones are swept on the next failure, so memory stays bounded by live entries. */
    private static final int SWEEP_ABOVE = 10_000;

    /** What one failure means: how long to wait before answering, and whether it locked the address out. */
    record Failure(Duration delay, boolean lockedOut) {
    }

    private record Entry(int failures, Instant firstFailure, Instant lockedUntil) {
    }

    private final SecurityOptions options;
    private final ConnectionRecorder recorder;
    private final ConcurrentHashMap<InetAddress, Entry> entries = new ConcurrentHashMap<>();

    LoginThrottle(SecurityOptions options, ConnectionRecorder recorder) {
        this.options = options;
        this.recorder = recorder;
    }

    /** Whether {@code address} is locked out now. */
    boolean lockedOut(InetAddress address) {
        Entry e = entries.get(address);
        return e != null && e.lockedUntil() != null && now().isBefore(e.lockedUntil());
    }

    /** Counts a failed login from {@code address}. */
    Failure failed(InetAddress address) {
        Instant now = now();
        if (entries.size() > SWEEP_ABOVE) {
            entries.values().removeIf(e -> expired(e, now));
        }
        // compute runs its function once, atomically per key: the flag says whether this failure locked.
        boolean[] lockedNow = {false};
        Entry e = entries.compute(address, (a, old) -> {
            if (old == null || expired(old, now)) {
                old = new Entry(0, now, null);
            } else if (old.lockedUntil() != null) {
                return old;   // already locked out: a late answer of a connection opened before the lockout
            }
            int failures = old.failures() + 1;
            lockedNow[0] = failures >= options.maxLoginFailures();
            return new Entry(failures, old.firstFailure(), lockedNow[0] ? now.plus(options.lockout()) : null);
        });
        if (lockedNow[0]) {
            LOG.log(Level.WARNING, "address " + address.getHostAddress() + " locked out for " + options.lockout()
                    + " after " + e.failures() + " failed logins");
            recorder.lockedOut();
        }
        return new Failure(delay(e.failures()), lockedNow[0]);
    }

    /** A successful login: the address starts afresh. */
    void succeeded(InetAddress address) {
        entries.remove(address);
    }

    /** The wait before answering failure number {@code failures}: doubling from the first, capped. */
    Duration delay(int failures) {
        Duration first = options.failureDelay();
        Duration max = options.maxFailureDelay();
        // Doubling past 2^20 exceeds any sensible cap; stop shifting before the long overflows.
        int shift = Math.min(failures - 1, 20);
        Duration d = first.multipliedBy(1L << shift);
        return d.compareTo(max) > 0 ? max : d;
    }

    private boolean expired(Entry e, Instant now) {
        return e.lockedUntil() != null ? !now.isBefore(e.lockedUntil())
                : !now.isBefore(e.firstFailure().plus(options.lockout()));
    }

    private Instant now() {
        return options.clock().instant();
    }
}
