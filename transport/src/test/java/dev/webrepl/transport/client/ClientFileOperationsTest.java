package dev.webrepl.transport.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.core.files.FileStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client's file operations against the real server (PROTOCOL.md §2-§6), on loopback. */
@Timeout(60)
class ClientFileOperationsTest extends LoggedInClientTestBase {
    @TempDir
    Path local;

    @Test
    void featuresNameEveryExtensionInTheSpecsOrder() {
        assertEquals(List.of("resize", "features", "stat", "list", "delete", "mkdir", "rename", "long-name", "resume",
                "flow", "sessions"),
                List.copyOf(c.features().join()));
    }

    @Test
    void mkdirCreatesParentsAndStatAndListDescribeWhatIsThere() throws IOException {
        c.mkdir("/a/b").join();
        assertTrue(Files.isDirectory(root.resolve("a/b")));
        Files.writeString(root.resolve("a/f.txt"), "hello");
        Files.setLastModifiedTime(root.resolve("a/f.txt"), FileTime.fromMillis(1_700_000_000_000L));

        assertEquals(new DirectoryEntry(DirectoryEntry.Kind.FILE, 5, 1_700_000_000_000L, "f.txt"),
                c.stat("/a/f.txt").join());
        List<DirectoryEntry> entries = c.list("/a").join();
        assertEquals(List.of("b", "f.txt"), entries.stream().map(DirectoryEntry::name).toList());
        assertEquals(DirectoryEntry.Kind.DIRECTORY, entries.get(0).kind());
        assertEquals(FileStatus.NOT_A_DIRECTORY, failure(c.list("/a/f.txt")).status());
    }

    @Test
    void deleteRefusesANonEmptyDirectoryAndRemovesAnEmptyOne() throws IOException {
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/x"), "x");
        assertEquals(FileStatus.NOT_EMPTY, failure(c.delete("/d")).status());
        c.delete("/d/x").join();
        c.delete("/d").join();
        assertFalse(Files.exists(root.resolve("d")));
        assertEquals(FileStatus.NOT_FOUND, failure(c.delete("/d")).status());
    }

    @Test
    void renameMovesTheFile() throws IOException {
        Files.writeString(root.resolve("old.txt"), "content");
        Files.createDirectories(root.resolve("sub"));
        c.rename("/old.txt", "/sub/new.txt").join();
        assertFalse(Files.exists(root.resolve("old.txt")));
        assertEquals("content", Files.readString(root.resolve("sub/new.txt")));
    }

    @Test
    void aLongNameRoundTripsThroughPutListAndGet() throws IOException {
        // 300 bytes, in components short enough for any file system.
        String dirs = "d".repeat(100) + "/" + "e".repeat(100);
        String name = dirs + "/" + "f".repeat(98);
        assertEquals(300, name.length());
        c.mkdir(dirs).join();
        Path source = Files.writeString(local.resolve("s.txt"), "long");
        assertEquals(4, c.put(source, name, TransferProgress.NONE).join());
        assertEquals("long", Files.readString(root.resolve(name)));
        assertEquals(List.of("f".repeat(98)), c.list(dirs).join().stream().map(DirectoryEntry::name).toList());
        Path copy = local.resolve("copy.txt");
        c.get(name, copy, TransferProgress.NONE).join();
        assertEquals("long", Files.readString(copy));
    }

    @Test
    void resumablePutOfANewFileSendsItAll() throws IOException {
        byte[] content = new byte[100_000];
        new Random(3).nextBytes(content);
        Path source = Files.write(local.resolve("r.bin"), content);
        assertEquals(content.length, c.resumePut(source, "r.bin", TransferProgress.NONE).join());
        assertArrayEquals(content, Files.readAllBytes(root.resolve("r.bin")));
    }

    @Test
    void resumedGetAppendsTheRestToThePartial() throws IOException {
        byte[] content = new byte[100_000];
        new Random(4).nextBytes(content);
        Files.write(root.resolve("g.bin"), content);
        Path partial = Files.write(local.resolve("g.bin.part"), Arrays.copyOf(content, 30_000));
        assertEquals(content.length, c.resumeGet("g.bin", partial, TransferProgress.NONE).join());
        assertArrayEquals(content, Files.readAllBytes(partial));
    }

    @Test
    void aPartialLongerThanTheFileIsRefusedWithInvalidRequest() throws IOException {
        Files.writeString(root.resolve("short.txt"), "ab");
        Path partial = Files.writeString(local.resolve("short.txt.part"), "abc");
        assertEquals(FileStatus.INVALID_REQUEST, failure(c.resumeGet("short.txt", partial, TransferProgress.NONE)).status());
        assertEquals("abc", Files.readString(partial));
    }

    private static FileTransferException failure(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return assertInstanceOf(FileTransferException.class, e.getCause());
    }
}
