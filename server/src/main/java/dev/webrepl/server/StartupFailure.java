package dev.webrepl.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * A mistake that stops {@code webrepl serve} before it serves: one line {@code webrepl: <what>; <what
 * to do>} on stderr and an exit status of its own (README "`webrepl serve`", "Exit status"), never a
 * stack trace. Usage errors (a bad flag or value) stay picocli's, with status 2.
 */
final class StartupFailure extends RuntimeException {
    /** The port (--port, or an explicit --admin-port) is taken by another program. */
    static final int PORT_IN_USE = 10;
    /** The address cannot be bound otherwise: not this machine's, or a port below 1024 without the privilege. */
    static final int CANNOT_LISTEN = 11;
    /** The file root (--root) cannot be created or used. */
    static final int FILE_ROOT = 12;
    /** The TLS certificate or key (--tls-cert, --tls-key) is missing, unreadable or unusable. */
    static final int TLS = 13;

    private final int exitCode;

    StartupFailure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }

    /**
     * Why {@code host}:{@code port} could not be bound: {@code admin} for the admin listener's
     * (flags --admin-host, --admin-port), else the server's (--host, --port). Reactor Netty's bind
     * failure drops its cause, so this binds once more to learn it (only the message depends on it).
     */
    static StartupFailure cannotBind(boolean admin, String host, int port) {
        String label = admin ? "admin port" : "port";
        String portFlag = admin ? "--admin-port" : "--port";
        String hostFlag = admin ? "--admin-host" : "--host";
        String reason;
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            reason = null;
        } catch (java.net.UnknownHostException e) {
            return new StartupFailure(CANNOT_LISTEN, "cannot listen on " + host + ": no such host name; choose an "
                    + "address of this machine with " + hostFlag + " (0.0.0.0: all of them)");
        } catch (IOException e) {
            reason = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        if (reason != null && reason.contains("in use")) {
            return new StartupFailure(PORT_IN_USE, label + " " + port + " on " + host + " is in use; stop the program "
                    + "using it, or choose another with " + portFlag + " (0 = any free port)"
                    + (admin ? " or run without the admin listener: --no-admin" : ""));
        }
        if (reason != null && reason.contains("Permission denied")) {
            return new StartupFailure(CANNOT_LISTEN, "cannot listen on " + label + " " + port + " of " + host
                    + ": permission denied (ports below 1024 need privileges); choose 1024 or more with " + portFlag);
        }
        if (reason != null && reason.contains("assign")) {
            return new StartupFailure(CANNOT_LISTEN, "cannot listen on " + host + ": not an address of this machine; "
                    + "choose one with " + hostFlag + " (0.0.0.0: all of them)");
        }
        return new StartupFailure(CANNOT_LISTEN, "cannot listen on " + label + " " + port + " of " + host
                + (reason == null ? "" : " (" + reason + ")") + "; choose another with " + hostFlag + " or " + portFlag);
    }

    /** Prints {@code webrepl: <message>} and returns the exit status. */
    int report(java.io.PrintWriter err) {
        err.println("webrepl: " + getMessage());
        err.flush();
        return exitCode;
    }
}
