package dev.webrepl.core.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.protocol.PasswordHash;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The users file's lines (README "Users"). */
class UsersTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsNamesHashesPlainPasswordsAndAdminsSkippingCommentsAndBlankLines() {
        String hash = PasswordHash.of("pw-b".toCharArray(), new SecureRandom()).format();
        Users users = Users.parse(List.of("# comment", "", "  ", "ann:pw:with:colons", "bob:" + hash,
                "carol:pw-c:admin", " dan_2-x:pw-d "));
        assertEquals(List.of("ann", "bob", "carol", "dan_2-x"), users.names());
        Users.Entry ann = users.find("ann").orElseThrow();
        assertEquals(new User("ann", false), ann.user());
        assertTrue(ann.password().matches(utf8("pw:with:colons")));
        assertTrue(users.find("bob").orElseThrow().password().matches(utf8("pw-b")));
        assertFalse(users.find("bob").orElseThrow().plain());
        assertEquals(new User("carol", true), users.find("carol").orElseThrow().user());
        assertTrue(users.find("carol").orElseThrow().password().matches(utf8("pw-c")));
        assertEquals(List.of("ann", "carol", "dan_2-x"), users.plainPasswords());
    }

    @Test
    void aBadLineIsNamedByItsNumberNeverItsContent() {
        for (var bad : List.of(
                List.of("# ok", "ann:pw", "hunter2"),
                List.of("# ok", "ann:pw", "Ann:hunter2"),
                List.of("# ok", "ann:pw", "../x:hunter2"),
                List.of("# ok", "ann:pw", "a".repeat(33) + ":hunter2"),
                List.of("# ok", "ann:pw", "bob:"),
                List.of("# ok", "ann:pw", "bob::admin"),
                List.of("# ok", "ann:pw", "bob:pbkdf2-sha256$x$hunter2"),
                List.of("# ok", "ann:pw", "ann:hunter2"))) {
            Users.BadLine e = assertThrows(Users.BadLine.class, () -> Users.parse(bad));
            assertEquals(3, e.line(), e.getMessage());
            assertTrue(e.getMessage().startsWith("line 3: "), e.getMessage());
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        }
    }

    @Test
    void userNamesAreSafeDirectoryNames() {
        for (String ok : List.of("a", "_", "ann", "a-b_c9", "x".repeat(32))) {
            assertTrue(User.validName(ok), ok);
        }
        for (String no : List.of("", ".", "..", "-a", "9a", "A", "a/b", "a.b", "x".repeat(33), "é", "a b")) {
            assertFalse(User.validName(no), no);
        }
    }
}
