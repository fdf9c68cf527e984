package dev.webrepl.transport.client;

import java.io.IOException;

/** The connection ended (or could not be used) before an operation completed. */
public final class ConnectionLostException extends IOException {
    public ConnectionLostException(String message) {
        super(message);
    }

    public ConnectionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
