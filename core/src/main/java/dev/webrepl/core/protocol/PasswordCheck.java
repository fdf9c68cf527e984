package dev.webrepl.core.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Decides whether a password entry (the bytes before {@code \r} or {@code \n}) is right. */
@FunctionalInterface
public interface PasswordCheck {
    boolean matches(byte[] entry);

    /** A plain password compared in constant time over its UTF-8 bytes. */
    static PasswordCheck plain(String password) {
        if (password.isEmpty()) {
            throw new IllegalArgumentException("the password must not be empty");
        }
        byte[] expected = password.getBytes(StandardCharsets.UTF_8);
        return entry -> MessageDigest.isEqual(expected, entry);
    }

    /**
     * A stored password line: a {@link PasswordHash} line ({@code pbkdf2-sha256$...}, from
     * {@code webrepl hash-password}) or else a plain password. Exceptions never quote the line.
     */
    static PasswordCheck parse(String line) {
        return line.startsWith(PasswordHash.PREFIX) ? PasswordHash.parse(line) : plain(line);
    }
}
