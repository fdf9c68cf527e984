package dev.webrepl.transport.server;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/** WebSocket connections open per remote address, with a cap (one per server; thread-safe). */
final class AddressConnections {
    private final int max;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    AddressConnections(int max) {
        this.max = max;
    }

    /** Counts a connection from {@code address} if it is under the cap; false (and nothing counted) if not. */
    boolean tryAcquire(InetAddress address) {
        boolean[] acquired = {false};
        open.compute(address, (a, n) -> {
            int count = n == null ? 0 : n;
            if (count >= max) {
                return n;
            }
            acquired[0] = true;
            return count + 1;
        });
        return acquired[0];
    }

    /** A connection counted by {@link #tryAcquire} ended; the entry goes when its count reaches zero. */
    void release(InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }
}
