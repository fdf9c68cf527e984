package dev.webrepl.transport.client;

import java.io.Serializable;

/** The close frame a server ended a connection with (RFC 6455 §5.5.1): its status code and reason. */
public record ServerClose(int code, String reason) implements Serializable {
    @Override
    public String toString() {
        return reason.isEmpty() ? String.valueOf(code) : code + " " + reason;
    }
}
