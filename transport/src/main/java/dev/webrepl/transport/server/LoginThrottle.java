package dev.webrepl.transport.server;

import dev.webrepl.core.protocol.ConnectionRecorder;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed logins per remote address (one per server; README "Security", brute force). Each failure
 * delays its answer longer. {@code maxLoginFailures} of them within the window (the lockout period,
 * from the first failure) make the address <em>delayed</em>: its wrong answers keep waiting, but the
 * right password still logs in. {@code hardLockoutFailures} of them hard-lock it for the lockout
 * period: then every login from it is refused, the right password included. A success clears the
 * address, so does an administrator ({@link #clear}). Other addresses are never affected.
 *
 * <p>Bounded: at most {@code capacity} addresses are tracked; past that, expired entries are swept
 * and then the oldest entry that is not hard-locked (or, when all are, the one whose lockout ends
 * first) makes room.
 *
 * <p>Thread-safe: connections of one address may fail on different workers at once.
 */
final class LoginThrottle {
    private static final Logger LOG = LoggerFactory.getLogger(LoginThrottle.class);
    /** The most addresses tracked at once (IPv6 counts per /64, {@link AddressKey}). */
    static final int CAPACITY = 10_000;

    /** What one failure means: how long to wait before answering, and whether it hard-locked the address. */
    record Failure(Duration delay, boolean lockedOut) {
    }

    private record Entry(int failures, Instant firstFailure, Instant lockedUntil) {
    }

    private final SecurityOptions options;
    private final ConnectionRecorder recorder;
    private final int capacity;
    private final ConcurrentHashMap<InetAddress, Entry> entries = new ConcurrentHashMap<>();

    LoginThrottle(SecurityOptions options, ConnectionRecorder recorder) {
        this(options, recorder, CAPACITY);
    }

    LoginThrottle(SecurityOptions options, ConnectionRecorder recorder, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.options = options;
        this.recorder = recorder;
        this.capacity = capacity;
    }

    /** Whether {@code address} is hard-locked now: no login from it, not even with the right password. */
    boolean lockedOut(InetAddress address) {
        Entry e = entries.get(address);
        return e != null && e.lockedUntil() != null && now().isBefore(e.lockedUntil());
    }

    /** Whether {@code address} has {@code maxLoginFailures} or more failures in the window (hard-locked ones too). */
    boolean delayed(InetAddress address) {
        Entry e = entries.get(address);
        return e != null && !expired(e, now()) && e.failures() >= options.maxLoginFailures();
    }

    /** Counts a failed login from {@code address}. */
    Failure failed(InetAddress address) {
        Instant now = now();
        if (!entries.containsKey(address) && entries.size() >= capacity) {
            makeRoom(now);
        }
        // compute runs its function once, atomically per key: the flags say what this failure started.
        boolean[] delayedNow = {false};
        boolean[] lockedNow = {false};
        Entry e = entries.compute(address, (a, old) -> {
            if (old == null || expired(old, now)) {
                old = new Entry(0, now, null);
            } else if (old.lockedUntil() != null) {
                return old;   // already locked out: a late answer of a connection opened before the lockout
            }
            int failures = old.failures() + 1;
            delayedNow[0] = failures == options.maxLoginFailures();
            lockedNow[0] = failures >= options.hardLockoutFailures();
            return new Entry(failures, old.firstFailure(), lockedNow[0] ? now.plus(options.lockout()) : null);
        });
        if (delayedNow[0] && !lockedNow[0]) {
            // DEBUG: the refused connection's own line says it was delayed (README "Logs": one line per connection).
            LOG.debug("address {} delayed after {} failed logins; the right password still logs in; {} within {} lock"
                    + " it out", address.getHostAddress(), e.failures(), options.hardLockoutFailures(), options.lockout());
        }
        if (lockedNow[0]) {
            LOG.warn("address {} locked out for {} after {} failed logins", address.getHostAddress(), options.lockout(),
                    e.failures());
            recorder.lockedOut();
        }
        return new Failure(delay(e.failures()), lockedNow[0]);
    }

    /** A successful login: the address starts afresh. */
    void succeeded(InetAddress address) {
        entries.remove(address);
    }

    /**
     * An administrator lifts the delay or lockout of {@code address} (as {@link AddressKey} counts it),
     * or of every address when null; returns how many were hard-locked and are no longer.
     */
    int clear(InetAddress address) {
        Instant now = now();
        if (address != null) {
            Entry e = entries.remove(address);
            return e != null && locked(e, now) ? 1 : 0;
        }
        int[] lifted = {0};
        entries.forEach((a, e) -> {
            if (entries.remove(a, e) && locked(e, now)) {
                lifted[0]++;
            }
        });
        return lifted[0];
    }

    /** How many addresses are tracked now (expired ones included until swept). */
    int size() {
        return entries.size();
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

    /** Sweeps expired entries; if that frees nothing, evicts one: the oldest not hard-locked, else the soonest to end. */
    private void makeRoom(Instant now) {
        entries.values().removeIf(e -> expired(e, now));
        if (entries.size() < capacity) {
            return;
        }
        Map.Entry<InetAddress, Entry> victim = null;
        for (Map.Entry<InetAddress, Entry> candidate : entries.entrySet()) {
            if (victim == null || evictBefore(candidate.getValue(), victim.getValue(), now)) {
                victim = candidate;
            }
        }
        if (victim != null) {
            entries.remove(victim.getKey(), victim.getValue());
        }
    }

    private boolean evictBefore(Entry a, Entry b, Instant now) {
        boolean lockedA = locked(a, now);
        boolean lockedB = locked(b, now);
        if (lockedA != lockedB) {
            return !lockedA;
        }
        return lockedA ? a.lockedUntil().isBefore(b.lockedUntil()) : a.firstFailure().isBefore(b.firstFailure());
    }

    private static boolean locked(Entry e, Instant now) {
        return e.lockedUntil() != null && now.isBefore(e.lockedUntil());
    }

    private boolean expired(Entry e, Instant now) {
        return e.lockedUntil() != null ? !now.isBefore(e.lockedUntil())
                : !now.isBefore(e.firstFailure().plus(options.lockout()));
    }

    private Instant now() {
        return options.clock().instant();
    }
}
