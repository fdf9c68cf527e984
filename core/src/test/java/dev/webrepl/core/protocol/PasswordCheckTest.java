package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PasswordCheckTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void plainMatchesExactlyTheUtf8BytesOfThePassword() {
        PasswordCheck check = PasswordCheck.plain("pässwort");

        assertTrue(check.matches(utf8("pässwort")));
        assertFalse(check.matches(utf8("passwort")));
        assertFalse(check.matches(utf8("pässwor")));
        assertFalse(check.matches(utf8("pässwortX")));
        assertFalse(check.matches(new byte[0]));
    }

    @Test
    void plainRefusesAnEmptyPassword() {
        assertThrows(IllegalArgumentException.class, () -> PasswordCheck.plain(""));
    }
}
