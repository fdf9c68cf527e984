package dev.webrepl.core.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.protocol.PasswordCheck;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Logins against the users file and its reloads (README "Users"). */
class UserDirectoryTest {
    @TempDir
    Path dir;

    /** Which checks ran, in order: a login must run exactly one. */
    private final List<String> checked = new ArrayList<>();

    private PasswordCheck counting(String name, String password) {
        PasswordCheck real = PasswordCheck.plain(password);
        return entry -> {
            checked.add(name);
            return real.matches(entry);
        };
    }

    private UserDirectory directory() {
        Users users = Users.of(List.of(
                new Users.Entry(new User("ann", false), counting("ann", "pw-a"), false),
                new Users.Entry(new User("bob", false), counting("bob", "pw:b"), false),
                new Users.Entry(new User("boss", true), counting("boss", "pw-c"), false)));
        return new UserDirectory(dir.resolve("users"), users, null, counting("dummy", "never"));
    }

    private Optional<User> login(UserDirectory d, String entry) {
        checked.clear();
        return d.login(entry.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyLoginCostsExactlyOneCheckWhateverTheEntry() {
        UserDirectory d = directory();
        assertEquals(Optional.of(new User("ann", false)), login(d, "ann:pw-a"));
        assertEquals(List.of("ann"), checked);
        assertEquals(Optional.of(new User("bob", false)), login(d, "bob:pw:b"), "split at the first ':'");
        assertEquals(List.of("bob"), checked);
        assertEquals(Optional.of(new User("boss", true)), login(d, "boss:pw-c"));
        assertEquals(List.of("boss"), checked);
        assertEquals(Optional.empty(), login(d, "ann:pw-b"));
        assertEquals(List.of("ann"), checked);
        // Unknown names, no colon and names that break the rule cost the dummy check: the time tells nothing.
        for (String entry : List.of("zed:pw-a", "pw-a", ":pw-a", "ANN:pw-a", "../ann:pw-a", "")) {
            assertEquals(Optional.empty(), login(d, entry), entry);
            assertEquals(List.of("dummy"), checked, entry);
        }
    }

    @Test
    void reloadSwapsTheUsersAndReportsTheRemovedOnes() throws Exception {
        Path file = dir.resolve("users");
        Files.writeString(file, "ann:pw-a\nbob:pw-b\n");
        UserDirectory d = UserDirectory.load(file, new SecureRandom());
        List<Set<String>> removed = new CopyOnWriteArrayList<>();
        d.onRemoved(removed::add);
        assertFalse(d.reloadIfChanged(), "unchanged");
        Files.writeString(file, "ann:pw-a2\ncat:pw-c\n");
        assertTrue(d.reloadIfChanged());
        assertEquals(List.of(Set.of("bob")), removed);
        assertEquals(Optional.of(new User("ann", false)), d.login("ann:pw-a2".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), d.login("ann:pw-a".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.of(new User("cat", false)), d.login("cat:pw-c".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aFailedReloadKeepsTheOldUsersAndIsNotRetriedUntilTheFileChanges() throws Exception {
        Path file = dir.resolve("users");
        Files.writeString(file, "ann:pw-a\n");
        UserDirectory d = UserDirectory.load(file, new SecureRandom());
        Files.writeString(file, "ann:pw-a\nbad line\n");
        assertFalse(d.reloadIfChanged());
        assertFalse(d.reloadIfChanged(), "the same bad version is not read again");
        assertEquals(Optional.of(new User("ann", false)), d.login("ann:pw-a".getBytes(StandardCharsets.UTF_8)));
        Files.delete(file);
        assertFalse(d.reloadIfChanged(), "a missing file keeps the users");
        assertEquals(Optional.of(new User("ann", false)), d.login("ann:pw-a".getBytes(StandardCharsets.UTF_8)));
        Files.writeString(file, "bob:pw-b\n");
        assertTrue(d.reloadIfChanged());
        assertEquals(Optional.empty(), d.login("ann:pw-a".getBytes(StandardCharsets.UTF_8)));
    }

    @org.junit.jupiter.api.Test
    void theTypedNameIsTheValidNameBeforeTheFirstColonAndNothingElse() {
        assertEquals(java.util.Optional.of("ann"), UserDirectory.typedName("ann:pw:with:colons".getBytes(StandardCharsets.UTF_8)));
        assertEquals(java.util.Optional.empty(), UserDirectory.typedName("no-colon-secret".getBytes(StandardCharsets.UTF_8)));
        assertEquals(java.util.Optional.empty(), UserDirectory.typedName("Not A Name:pw".getBytes(StandardCharsets.UTF_8)));
        assertEquals(java.util.Optional.empty(), UserDirectory.typedName(":pw".getBytes(StandardCharsets.UTF_8)));
    }
}
