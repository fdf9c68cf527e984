package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** PBKDF2 password lines: format, verification, tampering, and plain passwords still accepted. */
class SecurityPasswordHashTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 7914 §11's PBKDF2-HMAC-SHA256 vector ("passwd", salt "salt", 1 iteration), first 32 bytes. */
    @Test
    void derivesTheRfc7914TestVector() {
        byte[] expected = java.util.HexFormat.of().parseHex(
                "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
        PasswordHash h = PasswordHash.parse("pbkdf2-sha256$1$" + Base64.getEncoder().encodeToString(utf8("salt"))
                + "$" + Base64.getEncoder().encodeToString(expected));
        assertTrue(h.matches(utf8("passwd")));
        assertFalse(h.matches(utf8("passwe")));
    }

    @Test
    void aNewHashHasTheStoredFormAndVerifies() {
        String line = PasswordHash.of("s3cret-ü".toCharArray(), new SecureRandom()).format();
        assertTrue(line.matches("pbkdf2-sha256\\$210000\\$[A-Za-z0-9+/]{22}==\\$[A-Za-z0-9+/]{43}="), line);
        PasswordCheck check = PasswordCheck.parse(line);
        assertTrue(check.matches(utf8("s3cret-ü")));
        assertFalse(check.matches(utf8("s3cret-u")));
        assertFalse(check.matches(new byte[0]));
    }

    @Test
    void twoHashesOfOnePasswordDifferBySalt() {
        SecureRandom random = new SecureRandom();
        assertFalse(PasswordHash.of("pw".toCharArray(), random).format()
                .equals(PasswordHash.of("pw".toCharArray(), random).format()));
    }

    @Test
    void aTamperedHashNoLongerMatches() {
        String line = PasswordHash.of("pw".toCharArray(), new SecureRandom()).format();
        String[] parts = line.split("\\$");
        byte[] hash = Base64.getDecoder().decode(parts[3]);
        hash[0] ^= 1;
        String tampered = parts[0] + "$" + parts[1] + "$" + parts[2] + "$" + Base64.getEncoder().encodeToString(hash);
        assertFalse(PasswordCheck.parse(tampered).matches(utf8("pw")));
        String fewerRounds = parts[0] + "$1000$" + parts[2] + "$" + parts[3];
        assertFalse(PasswordCheck.parse(fewerRounds).matches(utf8("pw")));
    }

    @Test
    void malformedLinesAreRefusedWithoutQuotingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PasswordCheck.parse("pbkdf2-sha256$x$AAAA$AAAA"));
        assertEquals("malformed password hash: For input string: \"x\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PasswordCheck.parse("pbkdf2-sha256$1$AAAA"));
        assertEquals("a password hash has the form pbkdf2-sha256$ITERATIONS$SALT$HASH", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PasswordCheck.parse("pbkdf2-sha256$0$AAAA$AAAA"));
    }

    @Test
    void anyOtherLineIsAPlainPassword() {
        PasswordCheck check = PasswordCheck.parse("secret");
        assertTrue(check.matches(utf8("secret")));
        assertFalse(check.matches(utf8("secre")));
    }

    @Test
    void toStringShowsNeitherSaltNorHash() {
        PasswordHash h = PasswordHash.of("pw".toCharArray(), new SecureRandom());
        assertEquals("PasswordHash[pbkdf2-sha256, 210000 iterations]", h.toString());
    }
}
