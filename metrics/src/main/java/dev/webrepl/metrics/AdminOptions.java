package dev.webrepl.metrics;

import java.util.Objects;

/**
 * Where the admin listener binds. Loopback by default: the endpoints can end sessions and show
 * what every session does, so exposing them is a deliberate choice (DESIGN "Security defaults").
 *
 * @param host the address to bind
 * @param port the TCP port; 0 binds any free port (see {@link AdminServer#port()})
 */
public record AdminOptions(String host, int port) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8267;
    public static final AdminOptions DEFAULTS = new AdminOptions(DEFAULT_HOST, DEFAULT_PORT);

    public AdminOptions {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("admin port " + port + " is not 0..65535");
        }
    }

    public AdminOptions withHost(String host) {
        return new AdminOptions(host, port);
    }

    public AdminOptions withPort(int port) {
        return new AdminOptions(host, port);
    }
}
