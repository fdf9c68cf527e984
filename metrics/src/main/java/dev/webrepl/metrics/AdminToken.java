package dev.webrepl.metrics;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;

/**
 * The bearer token that guards the admin listener ({@code --admin-token-file}). Keeps only the
 * token's SHA-256, and compares digests, so neither the comparison's time nor its length says how
 * much of a guess was right. Never printed: {@link #toString()} hides it.
 */
public final class AdminToken {
    // Visible ASCII only: the token travels in an HTTP header and is typed into files by hand.
    private static final Pattern VALID = Pattern.compile("[\\x21-\\x7e]+");
    private static final String BEARER = "bearer ";

    private final byte[] digest;

    private AdminToken(String token) {
        this.digest = sha256(token);
    }

    /** A token given directly (tests, embedding). */
    public static AdminToken of(String token) {
        if (token == null || !VALID.matcher(token).matches()) {
            throw new IllegalArgumentException("an admin token is 1 or more visible ASCII characters, no spaces");
        }
        return new AdminToken(token);
    }

    /** The token in the first line of {@code file}. */
    public static AdminToken fromFile(Path file) {
        return new AdminToken(readFirstLine(file));
    }

    /**
     * The first line of {@code file}, trimmed; the exception's one-line message names the file and
     * what is wrong with it (missing, unreadable, empty, not a valid token).
     */
    public static String readFirstLine(Path file) {
        String line;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            line = in.readLine();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read: " + e.getMessage());
        }
        String token = line == null ? "" : line.strip();
        if (token.isEmpty()) {
            throw new IllegalArgumentException(file + ": its first line is empty; it must hold the token");
        }
        if (!VALID.matcher(token).matches()) {
            throw new IllegalArgumentException(file + ": the token must be visible ASCII characters, no spaces");
        }
        return token;
    }

    /** Whether an {@code Authorization} header value ({@code Bearer TOKEN}; null if absent) carries this token. */
    public boolean accepts(String authorization) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(authorization.substring(BEARER.length()).strip()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "AdminToken[hidden]";
    }
}
