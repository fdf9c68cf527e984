package dev.webrepl.metrics;

import dev.webrepl.core.tls.TlsFiles;
import java.util.Objects;

/**
 * Where the admin listener binds. Loopback by default: the endpoints can end sessions and show
 * what every session does, so exposing them is a deliberate choice (DESIGN "Security defaults").
 *
 * @param host the address to bind
 * @param port the TCP port; 0 binds any free port (see {@link AdminServer#port()})
 * @param tls  the certificate and key to serve https:// with (the WebREPL server's, when it has
 *             them); null for plain http://
 * @param access which {@code Host} names it answers to and the token it requires
 */
public record AdminOptions(String host, int port, TlsFiles tls, AdminAccess access) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8267;
    public static final AdminOptions DEFAULTS = new AdminOptions(DEFAULT_HOST, DEFAULT_PORT);

    /** Plain http:// on {@code host}:{@code port}. */
    public AdminOptions(String host, int port) {
        this(host, port, null, AdminAccess.NONE);
    }

    public AdminOptions(String host, int port, TlsFiles tls) {
        this(host, port, tls, AdminAccess.NONE);
    }

    public AdminOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(access, "access");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("admin port " + port + " is not 0..65535");
        }
    }

    public AdminOptions withHost(String host) {
        return new AdminOptions(host, port, tls, access);
    }

    public AdminOptions withPort(int port) {
        return new AdminOptions(host, port, tls, access);
    }

    /** https:// with these PEM files; null: plain http://. */
    public AdminOptions withTls(TlsFiles files) {
        return new AdminOptions(host, port, files, access);
    }

    /** The extra {@code Host} names and the token. */
    public AdminOptions withAccess(AdminAccess access) {
        return new AdminOptions(host, port, tls, access);
    }
}
