package dev.webrepl.core.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @TempDir
    Path base;

    @Test
    void aTreeGoesDeepestFirstAndALinkInItIsDeletedNotFollowed() throws Exception {
        Path outside = Files.writeString(base.resolve("outside.txt"), "kept");
        Path tree = Files.createDirectories(base.resolve("tree/a/b"));
        Files.writeString(tree.resolve("deep.txt"), "deep");
        Files.createSymbolicLink(base.resolve("tree/a/link"), outside);
        Files.createSymbolicLink(base.resolve("tree/dirlink"), base);

        FileTrees.deleteTree(base.resolve("tree"));

        assertFalse(Files.exists(base.resolve("tree"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals("kept", Files.readString(outside));
    }

    @Test
    void aMissingDirectoryIsNothingToDo() throws Exception {
        FileTrees.deleteTree(base.resolve("none"));

        assertFalse(Files.exists(base.resolve("none")));
    }
}
