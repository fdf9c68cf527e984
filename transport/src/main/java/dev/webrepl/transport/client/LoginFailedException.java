package dev.webrepl.transport.client;

import java.io.IOException;

/** The server answered the password with {@code \r\nAccess denied\r\n} (spec §2). */
public final class LoginFailedException extends IOException {
    public LoginFailedException(String message) {
        super(message);
    }
}
