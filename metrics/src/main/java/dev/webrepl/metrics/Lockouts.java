package dev.webrepl.metrics;

import java.net.InetAddress;

/**
 * What the admin listener's {@code POST /lockouts/clear} acts on: the WebREPL server's login
 * throttle (README "Security", brute force).
 */
@FunctionalInterface
public interface Lockouts {
    /** For an admin listener without a WebREPL server: nothing is ever locked out. */
    Lockouts NONE = address -> 0;

    /**
     * Lifts the delay and lockout of {@code address}, or of every address when null.
     *
     * @return how many hard lockouts were lifted
     */
    int clear(InetAddress address);
}
