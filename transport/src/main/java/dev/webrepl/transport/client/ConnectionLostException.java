package dev.webrepl.transport.client;

import java.io.IOException;
import java.util.Optional;

/** The connection ended (or could not be used) before an operation completed. */
public final class ConnectionLostException extends IOException {
    private final ServerClose serverClose;

    public ConnectionLostException(String message) {
        this(message, null, null);
    }

    public ConnectionLostException(String message, Throwable cause) {
        this(message, cause, null);
    }

    /** @param serverClose the close frame the server ended the connection with, or null */
    public ConnectionLostException(String message, Throwable cause, ServerClose serverClose) {
        super(message, cause);
        this.serverClose = serverClose;
    }

    /** The server's close frame, if the server closed the connection with one. */
    public Optional<ServerClose> serverClose() {
        return Optional.ofNullable(serverClose);
    }
}
