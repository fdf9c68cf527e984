package dev.webrepl.transport.server;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The server's defences (README "Security"). Immutable; change with the {@code with...} methods.
 *
 * @param maxLoginFailures          failed logins from one address, within {@code lockout} of the first,
 *                                  after which the address is <em>delayed</em>: its wrong answers still
 *                                  wait, but the right password logs in (and clears the address)
 * @param lockout                   how long an address stays hard-locked (and the window failures count in)
 * @param failureDelay              the answer to a first wrong password waits this long; each further
 *                                  failure doubles it
 * @param maxFailureDelay           the cap on that delay
 * @param allowedOrigins            browser origins allowed besides the server's own (e.g. https://example.com)
 * @param handshakeTimeout          a connection must have its HTTP response (the 101, or a page) this soon
 * @param loginTimeout              a connection must send its password line this soon after the prompt
 * @param maxHeaderBytes            the largest HTTP request head accepted
 * @param maxConnectionsPerAddress  WebSocket connections open at once from one address
 * @param clock                     the time lockouts are measured in (tests pass a fake)
 * @param allowedHosts              {@code Host} names a request with an {@code Origin} may name besides
 *                                  loopback names and the bound address (README "Security"): {@code NAME}
 *                                  for any port, {@code NAME:PORT} for that port only
 * @param maxSessionsPerAddress     sessions opened from one address and still alive, lingering ones
 *                                  included; 0 for no limit
 * @param hardLockoutFailures       failed logins within the window that hard-lock the address for
 *                                  {@code lockout}: then even the right password is refused (close code
 *                                  1008); at least {@code maxLoginFailures}
 */
public record SecurityOptions(int maxLoginFailures, Duration lockout, Duration failureDelay, Duration maxFailureDelay,
                              List<String> allowedOrigins, Duration handshakeTimeout, Duration loginTimeout,
                              int maxHeaderBytes, int maxConnectionsPerAddress, Clock clock,
                              List<String> allowedHosts, int maxSessionsPerAddress, int hardLockoutFailures) {
    /** Hard lockout comes at this many times {@code maxLoginFailures} unless set otherwise. */
    public static final int HARD_LOCKOUT_FACTOR = 5;

    /**
     * The origins of MicroPython's official browser page (issue #16): a local copy opened from disk
     * ({@code null} from Firefox, {@code file://} from Chromium, as seen with the real page in headless
     * Chromium) and the hosted copy. WebREPL logs in inside the terminal (a password typed there, no
     * cookie), so a page from these origins gets only what its user types, as against a board; allowed
     * unless the server is strict (README "Security").
     */
    public static final List<String> OFFICIAL_PAGE_ORIGINS = List.of("null", "file://", "http://micropython.org");

    public static final SecurityOptions DEFAULTS = new SecurityOptions(5, Duration.ofMinutes(5), Duration.ofMillis(500),
            Duration.ofSeconds(8), OFFICIAL_PAGE_ORIGINS, Duration.ofSeconds(10), Duration.ofSeconds(30), 8192, 50,
            Clock.systemUTC(), List.of(), 20, 25);

    public SecurityOptions {
        if (maxLoginFailures < 1) {
            throw new IllegalArgumentException("max login failures must be at least 1");
        }
        if (hardLockoutFailures < maxLoginFailures) {
            throw new IllegalArgumentException("hard lockout failures must be at least max login failures ("
                    + maxLoginFailures + ")");
        }
        if (maxHeaderBytes < 256) {
            throw new IllegalArgumentException("max header bytes must be at least 256");
        }
        if (maxConnectionsPerAddress < 1) {
            throw new IllegalArgumentException("max connections per address must be at least 1");
        }
        for (Duration d : List.of(lockout, failureDelay, maxFailureDelay)) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("durations must not be negative");
            }
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero() || loginTimeout.isNegative() || loginTimeout.isZero()) {
            throw new IllegalArgumentException("the handshake and login timeouts must be positive");
        }
        allowedOrigins = List.copyOf(allowedOrigins);
        Objects.requireNonNull(clock, "clock");
        allowedHosts = List.copyOf(allowedHosts);
        allowedHosts.forEach(AllowedHosts::checkEntry);
        if (maxSessionsPerAddress < 0) {
            throw new IllegalArgumentException("max sessions per address must be 0 (no limit) or more");
        }
    }

    /**
     * {@code max} failures delay an address, {@value #HARD_LOCKOUT_FACTOR} times as many lock it out
     * (change that with {@link #withHardLockoutFailures}); {@code lockoutFor} is the window and the lockout.
     */
    public SecurityOptions withLoginFailures(int max, Duration lockoutFor) {
        return new SecurityOptions(max, lockoutFor, failureDelay, maxFailureDelay, allowedOrigins, handshakeTimeout,
                loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, clock, allowedHosts,
                maxSessionsPerAddress, hardLockoutFor(max));
    }

    /** Failed logins within the window that lock an address out, the right password included; at least {@link #maxLoginFailures}. */
    public SecurityOptions withHardLockoutFailures(int failures) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins,
                handshakeTimeout, loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, clock, allowedHosts,
                maxSessionsPerAddress, failures);
    }

    /** The default hard lockout for {@code maxLoginFailures}: {@value #HARD_LOCKOUT_FACTOR} times it, capped at Integer.MAX_VALUE. */
    public static int hardLockoutFor(int maxLoginFailures) {
        return (int) Math.min(Integer.MAX_VALUE, (long) maxLoginFailures * HARD_LOCKOUT_FACTOR);
    }

    public SecurityOptions withFailureDelay(Duration first, Duration max) {
        return new SecurityOptions(maxLoginFailures, lockout, first, max, allowedOrigins, handshakeTimeout,
                loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, clock, allowedHosts,
                maxSessionsPerAddress, hardLockoutFailures);
    }

    public SecurityOptions withAllowedOrigins(List<String> origins) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, origins, handshakeTimeout,
                loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, clock, allowedHosts,
                maxSessionsPerAddress, hardLockoutFailures);
    }

    public SecurityOptions withTimeouts(Duration handshake, Duration login) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins, handshake,
                login, maxHeaderBytes, maxConnectionsPerAddress, clock, allowedHosts,
                maxSessionsPerAddress, hardLockoutFailures);
    }

    public SecurityOptions withMaxHeaderBytes(int bytes) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins,
                handshakeTimeout, loginTimeout, bytes, maxConnectionsPerAddress, clock, allowedHosts,
                maxSessionsPerAddress, hardLockoutFailures);
    }

    public SecurityOptions withMaxConnectionsPerAddress(int max) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins,
                handshakeTimeout, loginTimeout, maxHeaderBytes, max, clock, allowedHosts,
                maxSessionsPerAddress, hardLockoutFailures);
    }

    public SecurityOptions withClock(Clock c) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins,
                handshakeTimeout, loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, c, allowedHosts,
                maxSessionsPerAddress, hardLockoutFailures);
    }

    public SecurityOptions withAllowedHosts(List<String> hosts) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins,
                handshakeTimeout, loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, clock, hosts,
                maxSessionsPerAddress, hardLockoutFailures);
    }

    /** Sessions from one address still alive (lingering included) before a new one gets 1013; 0: no limit. */
    public SecurityOptions withMaxSessionsPerAddress(int max) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins,
                handshakeTimeout, loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, clock, allowedHosts, max,
                hardLockoutFailures);
    }
}
