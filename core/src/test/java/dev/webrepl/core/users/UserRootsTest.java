package dev.webrepl.core.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each user's root, {@code ROOT/NAME} (README "Users"). */
class UserRootsTest {
    @TempDir
    Path dir;

    @Test
    void aUsersRootIsMadeWith0700AndItsStoreIsKept() throws Exception {
        UserRoots roots = new UserRoots(dir.toRealPath(), 0);
        User ann = new User("ann", false);
        assertEquals(dir.toRealPath().resolve("ann"), roots.rootOf(ann));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ann"))));
        assertSame(roots.storeOf(ann), roots.storeOf(new User("ann", true)), "one store per user name");
    }

    @Test
    void aLinkOrAFileWhereAUsersRootGoesIsRefused() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createSymbolicLink(root.resolve("ann"), outside);
        Files.writeString(root.resolve("bob"), "a file");
        UserRoots roots = new UserRoots(root.toRealPath(), 0);
        IOException link = assertThrows(IOException.class, () -> roots.rootOf(new User("ann", false)));
        assertTrue(link.getMessage().startsWith("the root of user ann is not a directory"), link.getMessage());
        assertThrows(IOException.class, () -> roots.rootOf(new User("bob", false)));
        assertThrows(IllegalArgumentException.class, () -> roots.rootOf(User.SHARED));
    }
}
