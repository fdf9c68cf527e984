package dev.webrepl.transport.server;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The server's defences (README "Security"). Immutable; change with the {@code with...} methods.
 *
 * @param maxLoginFailures          failed logins from one address, within {@code lockout} of the first,
 *                                  that lock the address out
 * @param lockout                   how long an address stays locked out (and the window failures count in)
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
 */
public record SecurityOptions(int maxLoginFailures, Duration lockout, Duration failureDelay, Duration maxFailureDelay,
                              List<String> allowedOrigins, Duration handshakeTimeout, Duration loginTimeout,
                              int maxHeaderBytes, int maxConnectionsPerAddress, Clock clock,
                              List<String> allowedHosts, int maxSessionsPerAddress) {
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
            Clock.systemUTC(), List.of(), 20);

    public SecurityOptions {
        if (maxLoginFailures < 1) {
            throw new IllegalArgumentException("max login failures must be at least 1");
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

    public SecurityOptions withLoginFailures(int max, Duration lockoutFor) {
        return new SecurityOptions(max, lockoutFor, failureDelay, maxFailureDelay, allowedOrigins, handshakeTimeout,
                loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, clock, allowedHosts,
                maxSessionsPerAddress);
    }

    public SecurityOptions withFailureDelay(Duration first, Duration max) {
        return new SecurityOptions(maxLoginFailures, lockout, first, max, allowedOrigins, handshakeTimeout,
                loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, clock, allowedHosts,
                maxSessionsPerAddress);
    }

    public SecurityOptions withAllowedOrigins(List<String> origins) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, origins, handshakeTimeout,
                loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, clock, allowedHosts,
                maxSessionsPerAddress);
    }

    public SecurityOptions withTimeouts(Duration handshake, Duration login) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins, handshake,
                login, maxHeaderBytes, maxConnectionsPerAddress, clock, allowedHosts,
                maxSessionsPerAddress);
    }

    public SecurityOptions withMaxHeaderBytes(int bytes) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins,
                handshakeTimeout, loginTimeout, bytes, maxConnectionsPerAddress, clock, allowedHosts,
                maxSessionsPerAddress);
    }

    public SecurityOptions withMaxConnectionsPerAddress(int max) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins,
                handshakeTimeout, loginTimeout, maxHeaderBytes, max, clock, allowedHosts,
                maxSessionsPerAddress);
    }

    public SecurityOptions withClock(Clock c) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins,
                handshakeTimeout, loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, c, allowedHosts,
                maxSessionsPerAddress);
    }

    public SecurityOptions withAllowedHosts(List<String> hosts) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins,
                handshakeTimeout, loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, clock, hosts,
                maxSessionsPerAddress);
    }

    /** Sessions from one address still alive (lingering included) before a new one gets 1013; 0: no limit. */
    public SecurityOptions withMaxSessionsPerAddress(int max) {
        return new SecurityOptions(maxLoginFailures, lockout, failureDelay, maxFailureDelay, allowedOrigins,
                handshakeTimeout, loginTimeout, maxHeaderBytes, maxConnectionsPerAddress, clock, allowedHosts, max);
    }
}
