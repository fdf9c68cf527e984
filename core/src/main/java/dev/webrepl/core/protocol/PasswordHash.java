package dev.webrepl.core.protocol;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A stored password: {@code pbkdf2-sha256$ITERATIONS$SALT_B64$HASH_B64} (PBKDF2 with HMAC-SHA256,
 * standard base64 with padding), as {@code webrepl hash-password} prints it (README "Security").
 *
 * <p>The entry's bytes are decoded as UTF-8 before derivation because PBKDF2 takes characters; an
 * entry that is not valid UTF-8 gets replacement characters and so cannot match a typed password.
 */
public record PasswordHash(int iterations, byte[] salt, byte[] hash) implements PasswordCheck {
    public static final String PREFIX = "pbkdf2-sha256$";
    /**
     * About 100 ms of one core per login here: slow enough to make an offline guess costly, cheap
     * enough for a login (OWASP's 2023 table asks 600,000 for SHA-256; a stored line may say more).
     */
    public static final int DEFAULT_ITERATIONS = 210_000;
    public static final int SALT_BYTES = 16;
    public static final int HASH_BYTES = 32;
    /** A line asking for more than this would make every login a denial of service. */
    static final int MAX_ITERATIONS = 10_000_000;
    private static final String ALGORITHM = "PBKDF2WithHmacSHA256";

    public PasswordHash {
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be 1.." + MAX_ITERATIONS);
        }
        if (salt.length == 0 || hash.length == 0) {
            throw new IllegalArgumentException("salt and hash must not be empty");
        }
        salt = salt.clone();
        hash = hash.clone();
    }

    /** Hashes {@code password} with a fresh random salt and the default iteration count. */
    public static PasswordHash of(char[] password, SecureRandom random) {
        if (password.length == 0) {
            throw new IllegalArgumentException("the password must not be empty");
        }
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return new PasswordHash(DEFAULT_ITERATIONS, salt, derive(password, salt, DEFAULT_ITERATIONS, HASH_BYTES));
    }

    /** Parses a stored line; the message never quotes the line (it is a secret). */
    public static PasswordHash parse(String line) {
        if (!line.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a " + PREFIX + " line");
        }
        String[] parts = line.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("a password hash has the form " + PREFIX + "ITERATIONS$SALT$HASH");
        }
        try {
            return new PasswordHash(Integer.parseInt(parts[0]), Base64.getDecoder().decode(parts[1]),
                    Base64.getDecoder().decode(parts[2]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed password hash: " + e.getMessage());
        }
    }

    /** The stored form. */
    public String format() {
        return PREFIX + iterations + "$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(hash);
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    /** Derives a key from the entry (costly by design: call off the event loop) and compares in constant time. */
    @Override
    public boolean matches(byte[] entry) {
        CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(entry));
        char[] password = new char[chars.remaining()];
        chars.get(password);
        try {
            return MessageDigest.isEqual(hash, derive(password, salt, iterations, hash.length));
        } finally {
            Arrays.fill(password, '\0');
            if (chars.hasArray()) {
                Arrays.fill(chars.array(), '\0');
            }
        }
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations, int bytes) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bytes * 8);
        try {
            return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is part of every JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    /** Never the salt or hash: records print themselves, and logs must not carry the hash. */
    @Override
    public String toString() {
        return "PasswordHash[pbkdf2-sha256, " + iterations + " iterations]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PasswordHash p && p.iterations == iterations && Arrays.equals(p.salt, salt)
                && Arrays.equals(p.hash, hash);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * iterations + Arrays.hashCode(salt)) + Arrays.hashCode(hash);
    }
}
