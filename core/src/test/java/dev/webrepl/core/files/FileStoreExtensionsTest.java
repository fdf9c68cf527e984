package dev.webrepl.core.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The operations PROTOCOL.md §4–§6 add to the store, each status they can answer, and the reserved directory. */
class FileStoreExtensionsTest {
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    @TempDir
    Path tmp;
    Path root;
    Path outside;
    FileStore store;

    @BeforeEach
    void setUp() throws IOException {
        store = new FileStore(tmp.resolve("root"), dir -> Long.MAX_VALUE, Clock.fixed(NOW, ZoneOffset.UTC));
        root = store.root();
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "do not touch");
    }

    private static FileStatus statusOf(ThrowingCall call) {
        return assertThrows(FileStoreException.class, call::run).status();
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }

    private Path partialDir() {
        return root.resolve(".webrepl/partial");
    }

    private List<Path> partials() throws IOException {
        if (!Files.isDirectory(partialDir())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(partialDir())) {
            return s.toList();
        }
    }

    private static void write(Upload upload, String text) throws FileStoreException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        upload.write(b, 0, b.length);
    }

    // --- the reserved directory ------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {".webrepl", "/.webrepl", "./.webrepl/x", "//.webrepl/partial", ".webrepl/"})
    void theReservedDirectoryAtTheRootIsRefused(String name) {
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.stat(name)));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.mkdirs(name)));
    }

    @Test
    void aReservedNameBelowTheRootIsAnOrdinaryName() throws Exception {
        store.mkdirs("sub/.webrepl");
        assertTrue(Files.isDirectory(root.resolve("sub/.webrepl")));
    }

    @Test
    void aSymlinkIntoTheReservedDirectoryIsRefused() throws IOException {
        Files.createDirectories(root.resolve(".webrepl/partial"));
        Files.createSymbolicLink(root.resolve("peek"), root.resolve(".webrepl"));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.list("peek")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.stat("peek/partial")));
    }

    // --- STAT -------------------------------------------------------------------------------

    @Test
    void statOfAFileGivesItsKindSizeTimeAndLastComponent() throws Exception {
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/f.txt"), "hello");
        Files.setLastModifiedTime(root.resolve("d/f.txt"), FileTime.fromMillis(1_700_000_000_123L));

        assertEquals(new DirectoryEntry(DirectoryEntry.Kind.FILE, 5, 1_700_000_000_123L, "f.txt"), store.stat("/d/f.txt"));
    }

    @Test
    void statOfADirectoryHasSizeZeroAndOfTheRootTheNameSlash() throws Exception {
        Files.createDirectories(root.resolve("d"));
        assertEquals(DirectoryEntry.Kind.DIRECTORY, store.stat("d").kind());
        assertEquals(0, store.stat("d").size());
        assertEquals("/", store.stat("/").name());
        assertEquals("/", store.stat(".").name());
    }

    @Test
    void statOfALinkDescribesTheLinkItself() throws Exception {
        Files.writeString(root.resolve("target.txt"), "0123456789");
        Files.createSymbolicLink(root.resolve("link"), Path.of("target.txt"));
        DirectoryEntry e = store.stat("link");
        assertEquals(DirectoryEntry.Kind.LINK, e.kind());
        assertEquals("target.txt".length(), e.size());
    }

    @Test
    void statStatuses() throws Exception {
        Files.writeString(root.resolve("f"), "x");
        Files.createSymbolicLink(root.resolve("out"), outside);
        assertEquals(FileStatus.NOT_FOUND, statusOf(() -> store.stat("missing")));
        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.stat("f/x")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.stat("out/secret.txt")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.stat("out/")));
        // The link itself is described, as LIST does (issue #15.1; it used to be 13).
        assertEquals(DirectoryEntry.Kind.LINK, store.stat("out").kind());
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.stat("../outside")));
    }

    // --- LIST -------------------------------------------------------------------------------

    @Test
    void listSortsByUtf8BytesAndHidesTheReservedDirectoryOnlyAtTheRoot() throws Exception {
        Files.createDirectories(root.resolve(".webrepl/partial"));
        Files.createDirectories(root.resolve("b/.webrepl"));
        Files.writeString(root.resolve("a.txt"), "aa");
        Files.writeString(root.resolve("\uFB01le"), "");      // U+FB01 sorts after U+10000 in UTF-16, before in UTF-8
        Files.writeString(root.resolve("\uD83D\uDE00"), "");  // U+1F600
        Files.writeString(root.resolve("B"), "");

        assertEquals(List.of("B", "a.txt", "b", "\uFB01le", "\uD83D\uDE00"),
                store.list("/").stream().map(DirectoryEntry::name).toList());
        assertEquals(List.of(".webrepl"), store.list("b").stream().map(DirectoryEntry::name).toList());
        assertEquals(new DirectoryEntry(DirectoryEntry.Kind.FILE, 2,
                Files.getLastModifiedTime(root.resolve("a.txt")).toMillis(), "a.txt"), store.list(".").get(1));
    }

    @Test
    void listOfAnEmptyDirectoryIsEmpty() throws Exception {
        Files.createDirectories(root.resolve("e"));
        assertEquals(List.of(), store.list("e"));
    }

    @Test
    void listDescribesLinksAsLinksEvenWhenTheyPointOutside() throws Exception {
        Files.createSymbolicLink(root.resolve("out"), outside);
        assertEquals(DirectoryEntry.Kind.LINK, store.list("/").get(0).kind());
    }

    @Test
    void listStatuses() throws IOException {
        Files.writeString(root.resolve("f"), "x");
        Files.createSymbolicLink(root.resolve("out"), outside);
        assertEquals(FileStatus.NOT_FOUND, statusOf(() -> store.list("missing")));
        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.list("f")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.list("out")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.list("..")));
    }

    // --- DELETE -----------------------------------------------------------------------------

    @Test
    void deleteRemovesAFileAnEmptyDirectoryAndALinkButNotItsTarget() throws Exception {
        Files.writeString(root.resolve("f"), "x");
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("t"), "kept");
        Files.createSymbolicLink(root.resolve("l"), Path.of("t"));

        store.delete("f");
        store.delete("/d");
        store.delete("l");

        assertFalse(Files.exists(root.resolve("f")));
        assertFalse(Files.exists(root.resolve("d")));
        assertFalse(Files.exists(root.resolve("l"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals("kept", Files.readString(root.resolve("t")));
    }

    @Test
    void deleteStatuses() throws Exception {
        Files.createDirectories(root.resolve("full"));
        Files.writeString(root.resolve("full/x"), "x");
        Files.createSymbolicLink(root.resolve("out"), outside);
        Files.createSymbolicLink(root.resolve("outfile"), outside.resolve("secret.txt"));
        assertEquals(FileStatus.NOT_FOUND, statusOf(() -> store.delete("missing")));
        assertEquals(FileStatus.NOT_EMPTY, statusOf(() -> store.delete("full")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.delete("/")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.delete(".")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.delete("out/secret.txt")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.delete("../outside/secret.txt")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.delete(".webrepl")));
        assertTrue(Files.exists(root.resolve("full/x")));
        // A link is deleted as itself, never its target (issue #15.1; it used to be 13 for this one).
        store.delete("outfile");
        store.delete("out");
        assertFalse(Files.exists(root.resolve("outfile"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(root.resolve("out"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals("do not touch", Files.readString(outside.resolve("secret.txt")));
    }

    // --- MKDIR ------------------------------------------------------------------------------

    @Test
    void mkdirsCreatesParentsAndAcceptsAnExistingDirectory() throws Exception {
        store.mkdirs("a/b/c");
        store.mkdirs("/a/b");
        store.mkdirs("/");
        assertTrue(Files.isDirectory(root.resolve("a/b/c")));
    }

    @Test
    void mkdirsThroughAnInsideLinkIsRefused() throws Exception {
        // Changed with issue #15.1: a link is never followed (it used to create in the real directory).
        Files.createDirectories(root.resolve("real"));
        Files.createSymbolicLink(root.resolve("alias"), Path.of("real"));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.mkdirs("alias/x")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.mkdirs("alias")));
        assertFalse(Files.exists(root.resolve("real/x")));
    }

    @Test
    void mkdirsStatuses() throws IOException {
        Files.writeString(root.resolve("f"), "x");
        Files.createSymbolicLink(root.resolve("out"), outside);
        assertEquals(FileStatus.EXISTS, statusOf(() -> store.mkdirs("f")));
        assertEquals(FileStatus.EXISTS, statusOf(() -> store.mkdirs("f/sub")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.mkdirs("out/new")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.mkdirs("../escape")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.mkdirs(".webrepl/x")));
        assertFalse(Files.exists(outside.resolve("new")));
        assertFalse(Files.exists(tmp.resolve("escape")));
    }

    // --- RENAME -----------------------------------------------------------------------------

    @Test
    void renameMovesAFileAndReplacesAnExistingFile() throws Exception {
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("a"), "new");
        Files.writeString(root.resolve("d/b"), "old");

        store.rename("a", "/d/b");

        assertFalse(Files.exists(root.resolve("a")));
        assertEquals("new", Files.readString(root.resolve("d/b")));
    }

    @Test
    void renameMovesADirectoryWithItsContentAndOntoItselfIsANoOp() throws Exception {
        Files.createDirectories(root.resolve("d/e"));
        store.rename("d", "moved");
        store.rename("moved", "./moved");
        assertTrue(Files.isDirectory(root.resolve("moved/e")));
    }

    @Test
    void renameOfALinkMovesTheLink() throws Exception {
        Files.writeString(root.resolve("t"), "x");
        Files.createSymbolicLink(root.resolve("l"), Path.of("t"));
        store.rename("l", "l2");
        assertTrue(Files.isSymbolicLink(root.resolve("l2")));
        assertEquals("x", Files.readString(root.resolve("t")));
    }

    @Test
    void renameStatuses() throws IOException {
        Files.writeString(root.resolve("f"), "file");
        Files.createDirectories(root.resolve("d/inner"));
        Files.createSymbolicLink(root.resolve("out"), outside);
        assertEquals(FileStatus.NOT_FOUND, statusOf(() -> store.rename("missing", "x")));
        assertEquals(FileStatus.EXISTS, statusOf(() -> store.rename("f", "d")));
        assertEquals(FileStatus.EXISTS, statusOf(() -> store.rename("d", "f")));
        assertEquals(FileStatus.INVALID_REQUEST, statusOf(() -> store.rename("d", "d/inner/d")));
        assertEquals(FileStatus.NOT_FOUND, statusOf(() -> store.rename("f", "nodir/f")));
        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.rename("f", "f/x")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.rename("/", "x")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.rename("f", "/")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.rename("f", "../outside/f")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.rename("f", "out/f")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.rename("out/secret.txt", "stolen")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.rename("f", ".webrepl/f")));
        assertEquals("file", Files.readString(root.resolve("f")));
        assertEquals("do not touch", Files.readString(outside.resolve("secret.txt")));
        assertFalse(Files.exists(outside.resolve("f")));
    }

    // --- GET at an offset -------------------------------------------------------------------

    @Test
    void downloadFromAnOffsetStartsThereAndAtTheSizeIsEmpty() throws Exception {
        Files.writeString(root.resolve("f"), "0123456789");
        byte[] buf = new byte[20];
        try (Download d = store.openDownload("f", 7)) {
            assertEquals(3, d.read(buf, 0, 20));
        }
        assertEquals("789", new String(buf, 0, 3, StandardCharsets.US_ASCII));
        try (Download d = store.openDownload("f", 10)) {
            assertEquals(0, d.read(buf, 0, 20));
        }
        assertEquals(FileStatus.INVALID_REQUEST, statusOf(() -> store.openDownload("f", 11)));
        assertEquals(FileStatus.INVALID_REQUEST, statusOf(() -> store.openDownload("f", Long.MIN_VALUE)));
    }

    // --- resumable uploads ------------------------------------------------------------------

    @Test
    void anAbortedResumableUploadKeepsItsPartialAndTheNextContinuesFromItsEnd() throws Exception {
        Upload first = store.beginUpload("f.txt", 10, true, 0);
        assertEquals(0, first.have());
        write(first, "01234");
        first.abort();
        assertFalse(Files.exists(root.resolve("f.txt")));
        assertEquals(1, partials().size());
        assertEquals(5, Files.size(partials().get(0)));

        Upload second = store.beginUpload("/f.txt", 10, true, 0);
        assertEquals(5, second.have());
        write(second, "56789");
        second.commit();

        assertEquals("0123456789", Files.readString(root.resolve("f.txt")));
        assertEquals(List.of(), partials());
    }

    @Test
    void thePartialIsKeyedByNameAndSize() throws Exception {
        Upload a = store.beginUpload("f.txt", 10, true, 0);
        write(a, "abc");
        a.abort();
        Upload otherSize = store.beginUpload("f.txt", 11, true, 0);
        Upload otherName = store.beginUpload("g.txt", 10, true, 0);
        assertEquals(0, otherSize.have());
        assertEquals(0, otherName.have());
        otherSize.abort();
        otherName.abort();
        assertEquals(3, partials().size());
    }

    @Test
    void anOffsetCutsThePartialThereAndOnePastItsLengthIs22() throws Exception {
        Upload a = store.beginUpload("f.txt", 6, true, 0);
        write(a, "abcdX");
        a.abort();
        assertEquals(FileStatus.INVALID_REQUEST, statusOf(() -> store.beginUpload("f.txt", 6, false, 6)));
        assertEquals(FileStatus.INVALID_REQUEST, statusOf(() -> store.beginUpload("f.txt", 6, true, 7)));

        Upload b = store.beginUpload("f.txt", 6, false, 4);
        assertEquals(4, b.have());
        write(b, "ef");
        b.commit();

        assertEquals("abcdef", Files.readString(root.resolve("f.txt")));
    }

    @Test
    void anOffsetWithNoPartialIs22AndCreatesNothing() throws IOException {
        assertEquals(FileStatus.INVALID_REQUEST, statusOf(() -> store.beginUpload("f.txt", 6, false, 1)));
        assertEquals(List.of(), partials());
    }

    @Test
    void aPartialBeingWrittenIsBusyForAnotherUpload() throws Exception {
        Upload a = store.beginUpload("f.txt", 6, true, 0);
        assertEquals(FileStatus.BUSY, statusOf(() -> store.beginUpload("f.txt", 6, true, 0)));
        a.abort();
        store.beginUpload("f.txt", 6, true, 0).abort();
    }

    @Test
    void aLegacyUploadIgnoresPartialsAndItsAbortLeavesNothing() throws Exception {
        Upload a = store.beginUpload("f.txt", 3, true, 0);
        write(a, "ab");
        a.abort();
        Upload legacy = store.beginUpload("f.txt", 3);
        assertEquals(0, legacy.have());
        write(legacy, "x");
        legacy.abort();
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(List.of(".webrepl"), s.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals(1, partials().size());
    }

    @Test
    void partialsOlderThanADayAreSweptWhenAResumableUploadStarts() throws Exception {
        Upload old = store.beginUpload("old.txt", 5, true, 0);
        write(old, "ab");
        old.abort();
        Path oldPartial = partials().get(0);
        Upload recent = store.beginUpload("recent.txt", 5, true, 0);
        write(recent, "cd");
        recent.abort();
        Path recentPartial = partials().stream().filter(p -> !p.equals(oldPartial)).findFirst().orElseThrow();
        Files.setLastModifiedTime(oldPartial, FileTime.from(NOW.minus(Duration.ofHours(24)).minusMillis(1)));
        Files.setLastModifiedTime(recentPartial, FileTime.from(NOW.minus(Duration.ofHours(23))));

        store.beginUpload("third.txt", 5, true, 0).abort();

        assertFalse(Files.exists(oldPartial));
        assertTrue(Files.exists(recentPartial));
    }

    @Test
    void resumableUploadStatusesMatchTheLegacyOnes() throws IOException {
        Files.createDirectories(root.resolve("d"));
        Files.createSymbolicLink(root.resolve("out"), outside);
        assertEquals(FileStatus.IS_A_DIRECTORY, statusOf(() -> store.beginUpload("d", 1, true, 0)));
        assertEquals(FileStatus.NOT_FOUND, statusOf(() -> store.beginUpload("nodir/x", 1, true, 0)));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("out/x", 1, true, 0)));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload(".webrepl/partial/x", 1, true, 0)));
        assertEquals(FileStatus.INVALID_REQUEST, statusOf(() -> store.beginUpload("x", 1, true, 2)));
        assertEquals(List.of(), partials());
    }

    @Test
    void aResumableUploadLargerThanTheFreeSpaceIsNoSpace() throws IOException {
        FileStore small = new FileStore(root, dir -> 3);
        assertEquals(FileStatus.NO_SPACE, statusOf(() -> small.beginUpload("x", 4, true, 0)));
    }

    @Test
    void aCompletePartialCommitsAtOnceOnTheNextAttempt() throws Exception {
        Upload a = store.beginUpload("f.bin", 2, true, 0);
        write(a, "ok");
        a.abort();
        Upload b = store.beginUpload("f.bin", 2, true, 0);
        assertEquals(2, b.have());
        b.commit();
        assertArrayEquals("ok".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(root.resolve("f.bin")));
    }
}
