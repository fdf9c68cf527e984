package dev.webrepl.transport.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.slf4j.MDC;

/**
 * The log fields of a connection (README "Logs"): {@code session} and {@code peer} in SLF4J's MDC
 * for the one call that logs. Event loops and workers are shared by many connections, so the fields
 * are set around the call and removed after it, never left on the thread.
 */
final class LogFields {
    static final String SESSION = "session";
    static final String PEER = "peer";

    private LogFields() {
    }

    /** Runs {@code log} with {@code peer} and (if not null) {@code session} as log fields. */
    static void with(String session, String peer, Runnable log) {
        try (MDC.MDCCloseable p = MDC.putCloseable(PEER, peer);
             MDC.MDCCloseable s = session == null ? null : MDC.putCloseable(SESSION, session)) {
            log.run();
        }
    }

    /** {@code 127.0.0.1:5678}, {@code [::1]:5678}: the address as people write it, without Java's leading slash. */
    static String peer(SocketAddress address) {
        if (address instanceof InetSocketAddress a) {
            String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
        }
        return String.valueOf(address);
    }
}
