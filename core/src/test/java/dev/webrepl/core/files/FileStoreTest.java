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
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileStoreTest {
    @TempDir
    Path tmp;
    Path root;
    FileStore store;

    @BeforeEach
    void setUp() throws IOException {
        store = new FileStore(tmp.resolve("root"));
        root = store.root();
    }

    private FileStatus statusOf(ThrowingCall call) {
        return assertThrows(FileStoreException.class, call::run).status();
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }

    private List<Path> tempFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(FileStore.TEMP_PREFIX)).toList();
        }
    }

    // --- root ----------------------------------------------------------------------------------

    @Test
    void createsAMissingRootWithItsParents() throws IOException {
        FileStore nested = new FileStore(tmp.resolve("a/b/c"));

        assertTrue(Files.isDirectory(tmp.resolve("a/b/c")));
        assertEquals(tmp.resolve("a/b/c").toRealPath(), nested.root());
    }

    @Test
    void aRootReachedThroughASymlinkConfinesToItsRealPath() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("rootlink"), tmp.resolve("root"));
        FileStore viaLink = new FileStore(link);

        assertEquals(root, viaLink.root());
        viaLink.mkdirs("x");
        assertTrue(Files.isDirectory(root.resolve("x")));
    }

    // --- names ---------------------------------------------------------------------------------

    private static List<String> parts(String name) throws FileStoreException {
        return StoreName.parse(name).parts();
    }

    @Test
    void aLeadingSlashMeansTheRoot() throws Exception {
        assertEquals(List.of("x"), parts("/x"));
    }

    @Test
    void aRelativeNameIsUnderTheRoot() throws Exception {
        assertEquals(List.of("lib", "m.py"), parts("lib/m.py"));
    }

    @Test
    void dotComponentsAreSkipped() throws Exception {
        assertEquals(List.of("a", "b"), parts("a/./b"));
        assertEquals(List.of("a", "b"), parts("./a/b/."));
    }

    @Test
    void repeatedSlashesAreOneSeparator() throws Exception {
        assertEquals(List.of("x"), parts("//x"));
        assertEquals(List.of("a", "b"), parts("a//b/"));
    }

    @Test
    void aTrailingSlashNamesADirectory() throws Exception {
        assertTrue(StoreName.parse("a/b/").directory());
        assertTrue(StoreName.parse("a/b/.").directory());
        assertFalse(StoreName.parse("a/b").directory());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", ".", "//", "./"})
    void namesWithNoComponentAreTheRoot(String name) throws Exception {
        assertTrue(StoreName.parse(name).isRoot());
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x", "/../x", "a/..", "a/../b", "a/b/../../c", "./..", "x/..//y"})
    void dotDotAnywhereIsRefused(String name) {
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> StoreName.parse(name)));
    }

    @Test
    void dotDotIsRefusedEvenWhenItWouldStayInsideTheRoot() throws IOException {
        Files.createDirectories(root.resolve("a"));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.stat("a/../a")));
    }

    @Test
    void namesThatOnlyStartWithDotsAreAllowed() throws Exception {
        store.mkdirs(".../..x");
        assertTrue(Files.isDirectory(root.resolve("...").resolve("..x")));
    }

    @Test
    void anEmptyNameIsAnInvalidRequest() {
        assertEquals(FileStatus.INVALID_REQUEST, statusOf(() -> store.stat("")));
    }

    @Test
    void aNulInTheNameIsAnInvalidRequest() {
        assertEquals(FileStatus.INVALID_REQUEST, statusOf(() -> store.stat("a\0b")));
    }

    @Test
    void aSymlinkedDirectoryEscapingTheRootIsRefused() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("f.txt"), "secret");
        Files.createSymbolicLink(root.resolve("esc"), outside);

        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.list("esc")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.openDownload("esc/f.txt")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("esc/new.txt", 1)));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.mkdirs("esc/new/deeper")));
        assertEquals(List.of("f.txt"), List.of(outside.toFile().list()));
    }

    @Test
    void aSymlinkedFileEscapingTheRootIsRefused() throws IOException {
        Files.writeString(tmp.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(root.resolve("link.txt"), tmp.resolve("secret.txt"));

        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.openDownload("link.txt")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("link.txt", 1)));
        assertEquals("secret", Files.readString(tmp.resolve("secret.txt")));
    }

    @Test
    void aDanglingSymlinkIsRefused() throws IOException {
        Files.createSymbolicLink(root.resolve("dangling"), tmp.resolve("nowhere"));

        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.openDownload("dangling")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("dangling", 1)));
        assertFalse(Files.exists(tmp.resolve("nowhere")));
    }

    @Test
    void aSymlinkInsideTheRootToInsideTheRootIsNotFollowedEither() throws Exception {
        // Changed with issue #15.1: a link is never followed, wherever it points (it used to be).
        Files.createDirectories(root.resolve("real"));
        Files.writeString(root.resolve("real/f.txt"), "inside");
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("real"));
        Files.createSymbolicLink(root.resolve("relative"), Path.of("real"));

        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.openDownload("alias/f.txt")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.list("relative")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.stat("relative/f.txt")));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("relative/new.txt", 1)));
        assertFalse(Files.exists(root.resolve("real/new.txt")));
    }

    // --- uploads -------------------------------------------------------------------------------

    @Test
    void uploadToAMissingDirectoryIsNotFound() {
        assertEquals(FileStatus.NOT_FOUND, statusOf(() -> store.beginUpload("missing/x.txt", 1)));
        assertFalse(Files.exists(root.resolve("missing")));
    }

    @Test
    void uploadOverADirectoryIsADirectory() throws IOException {
        Files.createDirectories(root.resolve("dir"));

        assertEquals(FileStatus.IS_A_DIRECTORY, statusOf(() -> store.beginUpload("dir", 1)));
        assertEquals(List.of(), tempFiles(root));
    }

    @Test
    void uploadOverTheRootIsADirectory() {
        assertEquals(FileStatus.IS_A_DIRECTORY, statusOf(() -> store.beginUpload("/", 1)));
    }

    @Test
    void uploadBelowAFileIsNotADirectory() throws IOException {
        Files.writeString(root.resolve("file"), "x");

        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.beginUpload("file/x.txt", 1)));
    }

    @Test
    void uploadLargerThanTheFreeSpaceIsNoSpace() {
        assertEquals(FileStatus.NO_SPACE, statusOf(() -> store.beginUpload("big.bin", Long.MAX_VALUE)));
        assertFalse(Files.exists(root.resolve("big.bin")));
    }

    @Test
    void uploadWritesToATemporaryFileInTheTargetDirectoryUntilCommit() throws Exception {
        Files.createDirectories(root.resolve("sub"));
        Upload upload = store.beginUpload("sub/f.txt", 5);

        upload.write("hello".getBytes(StandardCharsets.US_ASCII), 0, 5);

        assertFalse(Files.exists(root.resolve("sub/f.txt")));
        List<Path> temps = tempFiles(root.resolve("sub"));
        assertEquals(1, temps.size());
        assertTrue(temps.get(0).getFileName().toString().endsWith(FileStore.TEMP_SUFFIX));
        assertEquals(5, upload.written());
        upload.abort();
    }

    @Test
    void commitReplacesTheTargetAndLeavesNoTemporaryFile() throws Exception {
        Files.writeString(root.resolve("f.txt"), "old content, longer than the new one");
        Upload upload = store.beginUpload("f.txt", 3);
        upload.write("xnewx".getBytes(StandardCharsets.US_ASCII), 1, 3);
        assertEquals("old content, longer than the new one", Files.readString(root.resolve("f.txt")),
                "the target is untouched until commit");

        upload.commit();

        assertEquals("new", Files.readString(root.resolve("f.txt")));
        assertEquals(List.of(), tempFiles(root));
        assertEquals(3, upload.written());
    }

    @Test
    void commitOfNoBytesCreatesAnEmptyFile() throws Exception {
        Upload upload = store.beginUpload("empty.bin", 0);

        upload.commit();

        assertArrayEquals(new byte[0], Files.readAllBytes(root.resolve("empty.bin")));
    }

    @Test
    void abortDeletesTheTemporaryFileAndKeepsTheTarget() throws Exception {
        Files.writeString(root.resolve("f.txt"), "old");
        Upload upload = store.beginUpload("f.txt", 3);
        upload.write("new".getBytes(StandardCharsets.US_ASCII), 0, 3);

        upload.abort();

        assertEquals("old", Files.readString(root.resolve("f.txt")));
        assertEquals(List.of(), tempFiles(root));
    }

    @Test
    void abortIsIdempotent() throws Exception {
        Upload upload = store.beginUpload("f.txt", 3);

        upload.abort();
        upload.abort();
        upload.close();

        assertFalse(Files.exists(root.resolve("f.txt")));
        assertEquals(List.of(), tempFiles(root));
    }

    @Test
    void abortAfterCommitKeepsTheCommittedFile() throws Exception {
        Upload upload = store.beginUpload("f.txt", 2);
        upload.write("ok".getBytes(StandardCharsets.US_ASCII), 0, 2);
        upload.commit();

        upload.abort();
        upload.close();

        assertEquals("ok", Files.readString(root.resolve("f.txt")));
    }

    @Test
    void uploadThroughAnInsideSymlinkIsRefused() throws Exception {
        // Changed with issue #15.1: it used to land in the link's target directory.
        Files.createDirectories(root.resolve("real"));
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("real"));

        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("alias/f.txt", 1)));
        assertEquals(List.of(), List.of(root.resolve("real").toFile().list()));
    }

    @Test
    void uploadToAFileSymlinkInsideTheRootIsRefusedAndTheLinkStays() throws Exception {
        // Changed with issue #15.1: it used to write through the link.
        Files.writeString(root.resolve("target.txt"), "old");
        Files.createSymbolicLink(root.resolve("link.txt"), root.resolve("target.txt"));

        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("link.txt", 3)));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("link.txt", 3, true, 0)));

        assertEquals("old", Files.readString(root.resolve("target.txt")));
        assertTrue(Files.isSymbolicLink(root.resolve("link.txt")), "the link stays a link");
        assertEquals(List.of(), tempFiles(root));
    }

    // --- downloads -----------------------------------------------------------------------------

    @Test
    void downloadReadsFullBuffersThenZeroAtEndOfFile() throws Exception {
        Files.writeString(root.resolve("f.txt"), "abcdefg");
        byte[] buf = new byte[10];
        try (Download download = store.openDownload("f.txt")) {
            assertEquals(4, download.read(buf, 1, 4));
            assertEquals(3, download.read(buf, 5, 4));
            assertEquals(0, download.read(buf, 0, 4));
        }
        assertArrayEquals(new byte[] {0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 0, 0}, buf);
    }

    @Test
    void downloadOfAMissingFileIsNotFound() {
        assertEquals(FileStatus.NOT_FOUND, statusOf(() -> store.openDownload("missing.txt")));
    }

    @Test
    void downloadOfADirectoryIsADirectory() throws IOException {
        Files.createDirectories(root.resolve("d"));
        assertEquals(FileStatus.IS_A_DIRECTORY, statusOf(() -> store.openDownload("d")));
    }

    @Test
    void downloadBelowAFileIsNotADirectory() throws IOException {
        Files.writeString(root.resolve("file"), "x");
        FileStatus status = statusOf(() -> store.openDownload("file/x"));
        assertEquals(FileStatus.NOT_A_DIRECTORY, status);
    }
}
