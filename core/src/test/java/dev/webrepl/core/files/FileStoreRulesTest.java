package dev.webrepl.core.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue #15.6 and #15.8: regular files only, uploads in a moved directory, modes, control characters, trailing slashes. */
class FileStoreRulesTest {
    private static final Duration AT_ONCE = Duration.ofSeconds(10);

    @TempDir
    Path tmp;
    Path root;
    FileStore store;

    @BeforeEach
    void setUp() throws IOException {
        store = new FileStore(tmp.resolve("root"));
        root = store.root();
    }

    private static FileStatus statusOf(FileStoreTest.ThrowingCall call) {
        return assertThrows(FileStoreException.class, call::run).status();
    }

    private static void write(Upload upload, String text) throws FileStoreException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        upload.write(b, 0, b.length);
    }

    private void put(String name, String text) throws FileStoreException {
        try (Upload u = store.beginUpload(name, text.getBytes(StandardCharsets.UTF_8).length)) {
            write(u, text);
            u.commit();
        }
    }

    private static List<Path> tempFiles(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> p.getFileName().toString().startsWith(FileStore.TEMP_PREFIX)).toList();
        }
    }

    private static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    private static boolean isFifo(Path path) throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return a.isOther();
    }

    // --- every fd has an owner ------------------------------------------------------------------

    @Test
    void noOperationLeavesAFileDescriptorOpen() throws Exception {
        mkfifo(root.resolve("fifo"));
        Files.createSymbolicLink(root.resolve("lnk"), tmp);
        opsThatSucceedAndFail();  // once first, so that classes loaded on the way hold their fds already
        List<String> before = openFds();

        for (int i = 0; i < 20; i++) {
            opsThatSucceedAndFail();
        }

        assertEquals(before, openFds());
        assertEquals(List.of(), before, "nothing under the root stays open between operations");
    }

    private void opsThatSucceedAndFail() throws Exception {
        store.mkdirs("d/e");
        put("d/e/f.txt", "abc");
        try (Download d = store.openDownload("d/e/f.txt", 1)) {
            d.read(new byte[8], 0, 8);
        }
        store.list("d/e");
        store.stat("d/e/f.txt");
        store.rename("d/e/f.txt", "d/g.txt");
        try (Upload aborted = store.beginUpload("d/h.txt", 5)) {
            write(aborted, "ab");
        }
        try (Upload partial = store.beginUpload("d/p.txt", 5, true, 0)) {
            write(partial, "ab");
        }
        for (FileStoreTest.ThrowingCall refused : List.<FileStoreTest.ThrowingCall>of(
                () -> store.openDownload("fifo"), () -> store.openDownload("lnk/x"), () -> store.openDownload("d/g.txt/"),
                () -> store.openDownload("d/g.txt", 99), () -> store.beginUpload("lnk/x", 1), () -> store.beginUpload("d", 1),
                () -> store.list("lnk"), () -> store.mkdirs("d/g.txt/x"), () -> store.rename("missing", "x"),
                () -> store.delete("d"), () -> store.stat("nope/x"))) {
            statusOf(refused);
        }
        store.delete("d/g.txt");
        store.delete("d/e");
    }

    /**
     * The descriptors of this JVM open on something under the test's directory (the root, its
     * partials, the link's target). Only those: other threads of the JVM (class loading, the test
     * runner's pipes) open and close descriptors of their own at any time.
     */
    private List<String> openFds() throws IOException {
        String under = tmp.toRealPath().toString();
        List<String> open = new java.util.ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(under)) {
                        open.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException closedMeanwhile) {
                    // the listing's own descriptor, or one another thread closed
                }
            }
        }
        return open;
    }

    // --- the partials of resumable PUTs: the server's directory, never followed either ----------

    /**
     * A program in the root (the process engine's working directory) can plant a link where a
     * resumable PUT keeps its partial: the PUT is refused with 13, and the file it names is neither
     * read (its size is not told) nor written. Fails on the path-based partials (the victim got the
     * client's bytes appended).
     */
    @Test
    void aLinkPlantedAsAPartialIsNeverFollowed() throws Exception {
        Path outside = Files.writeString(tmp.resolve("victim.txt"), "secret!");
        Path partials = Files.createDirectories(root.resolve(".webrepl/partial"));
        Files.createSymbolicLink(partials.resolve(PartialUploads.nameOf("x.txt", 100)), outside);

        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("x.txt", 100, true, 0)));
        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("x.txt", 100, false, 5)));

        assertEquals("secret!", Files.readString(outside));
        assertFalse(Files.exists(root.resolve("x.txt"), LinkOption.NOFOLLOW_LINKS));
    }

    /** The same for a link planted as the partials' directory itself: nothing is made where it points. */
    @Test
    void aLinkPlantedAsThePartialsDirectoryIsNeverFollowed() throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(root.resolve(".webrepl"));
        Files.createSymbolicLink(root.resolve(".webrepl/partial"), elsewhere);

        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.beginUpload("x.txt", 100, true, 0)));

        try (Stream<Path> made = Files.list(elsewhere)) {
            assertEquals(List.of(), made.toList());
        }
    }

    // --- regular files only (#15.6) ----------------------------------------------------------

    @Test
    void aGetOfAFifoIsRefusedAtOnce() throws Exception {
        mkfifo(root.resolve("fifo"));

        assertTimeoutPreemptively(AT_ONCE, () -> {
            assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.openDownload("fifo")));
            assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.openDownload("/fifo", 0)));
        });
        assertEquals(DirectoryEntry.Kind.OTHER, store.stat("fifo").kind());
    }

    @Test
    void aPutNeverReplacesAFifoOrASocket() throws Exception {
        mkfifo(root.resolve("fifo"));
        try (ServerSocketChannel socket = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            socket.bind(UnixDomainSocketAddress.of(root.resolve("sock")));

            assertTimeoutPreemptively(AT_ONCE, () -> {
                assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("fifo", 1)));
                assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("fifo", 1, true, 0)));
                assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.beginUpload("sock", 1)));
                assertEquals(FileStatus.PERMISSION_DENIED, statusOf(() -> store.openDownload("sock")));
            });

            assertTrue(isFifo(root.resolve("fifo")));
            assertTrue(isFifo(root.resolve("sock")));
        }
        assertEquals(List.of(), tempFiles(root));
    }

    @Test
    void aFifoMadeWhileAPutIsInProgressIsNotReplacedByItsCommit() throws Exception {
        Upload upload = store.beginUpload("f", 1);
        write(upload, "x");
        mkfifo(root.resolve("f"));

        assertEquals(FileStatus.PERMISSION_DENIED, statusOf(upload::commit));

        assertTrue(isFifo(root.resolve("f")));
        assertEquals(List.of(), tempFiles(root));
    }

    // --- a PUT whose directory moves (#15.8a) ------------------------------------------------

    @Test
    void aPutWhoseDirectoryIsRenamedMidUploadLeavesNoTemporaryFileOnAbort() throws Exception {
        store.mkdirs("d");
        Upload upload = store.beginUpload("d/f.txt", 4);
        write(upload, "ab");
        store.rename("d", "e");

        upload.abort();

        assertEquals(List.of(), tempFiles(root));
        assertEquals(List.of(), List.of(root.resolve("e").toFile().list()));
    }

    @Test
    void aPutWhoseDirectoryIsRenamedMidUploadCommitsIntoThatDirectory() throws Exception {
        store.mkdirs("d");
        Upload upload = store.beginUpload("d/f.txt", 4);
        write(upload, "ab");
        store.rename("d", "e");
        write(upload, "cd");

        upload.commit();

        assertEquals("abcd", Files.readString(root.resolve("e/f.txt")));
        assertFalse(Files.exists(root.resolve("d")));
        assertEquals(List.of(), tempFiles(root));
    }

    // --- modes (#15.8b) ------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aPutOverAnExistingFileKeepsItsMode(boolean resumable) throws Exception {
        Files.writeString(root.resolve("run.sh"), "old");
        Files.setPosixFilePermissions(root.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(root.resolve("ro.txt"), "old");
        Files.setPosixFilePermissions(root.resolve("ro.txt"), PosixFilePermissions.fromString("r--r-----"));

        for (String name : List.of("run.sh", "ro.txt")) {
            try (Upload u = store.beginUpload(name, 3, resumable, 0)) {
                write(u, "new");
                u.commit();
            }
        }

        assertEquals("new", Files.readString(root.resolve("run.sh")));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("run.sh"))));
        assertEquals("r--r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("ro.txt"))));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aNewFileGetsTheModeTheUmaskGives(boolean resumable) throws Exception {
        Path reference = Files.createFile(tmp.resolve("reference"));  // 0666 less this process's umask

        try (Upload u = store.beginUpload("new.txt", 1, resumable, 0)) {
            write(u, "x");
            u.commit();
        }

        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(root.resolve("new.txt")));
    }

    // --- control characters (#15.8c) -----------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"esc\u001b[31m", "bell\u0007", "new\nline", "del\u007f", "tab\t", "sub/\u0001", "csi\u009b31m"})
    void aNameWithAControlCharacterIsRefusedOnCreation(String bad) throws Exception {
        store.mkdirs("sub");
        Files.writeString(root.resolve("f"), "f");

        assertEquals(FileStatus.ILLEGAL_NAME_ENCODING, statusOf(() -> store.beginUpload(bad, 1)));
        assertEquals(FileStatus.ILLEGAL_NAME_ENCODING, statusOf(() -> store.beginUpload(bad, 1, true, 0)));
        assertEquals(FileStatus.ILLEGAL_NAME_ENCODING, statusOf(() -> store.mkdirs(bad)));
        assertEquals(FileStatus.ILLEGAL_NAME_ENCODING, statusOf(() -> store.mkdirs(bad + "/deeper")));
        assertEquals(FileStatus.ILLEGAL_NAME_ENCODING, statusOf(() -> store.rename("f", bad)));

        try (Stream<Path> all = Files.walk(root)) {
            assertEquals(List.of("", "f", "sub"), all.map(p -> root.relativize(p).toString()).sorted().toList());
        }
    }

    @Test
    void anExistingNameWithAControlCharacterListsReadsAndMovesAway() throws Exception {
        String odd = "odd\u001b[2Jname";
        Files.writeString(root.resolve(odd), "content");

        assertEquals(List.of(odd), store.list("/").stream().map(DirectoryEntry::name).toList());
        byte[] buf = new byte[16];
        try (Download d = store.openDownload(odd)) {
            assertEquals("content", new String(buf, 0, d.read(buf, 0, buf.length), StandardCharsets.UTF_8));
        }
        store.rename(odd, "clean");
        assertEquals("content", Files.readString(root.resolve("clean")));
        Files.writeString(root.resolve(odd), "again");
        store.delete(odd);
        assertFalse(Files.exists(root.resolve(odd)));
    }

    // --- a trailing slash names a directory (#15.8f) -------------------------------------------

    @Test
    void aTrailingSlashAfterAFileNameIsNotADirectory() throws Exception {
        Files.writeString(root.resolve("existing.txt"), "content");

        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.openDownload("existing.txt/")));
        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.openDownload("existing.txt/.")));
        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.beginUpload("existing.txt/", 1)));
        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.stat("existing.txt/")));
        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.list("existing.txt/")));
        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.delete("existing.txt/")));
        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.rename("existing.txt/", "moved")));
        assertEquals(FileStatus.NOT_A_DIRECTORY, statusOf(() -> store.rename("existing.txt", "moved/")));

        assertEquals("content", Files.readString(root.resolve("existing.txt")));
        assertEquals(List.of("existing.txt"), List.of(root.toFile().list()));
    }

    @Test
    void aTrailingSlashAfterADirectoryNameWorks() throws Exception {
        store.mkdirs("d/");

        assertEquals(DirectoryEntry.Kind.DIRECTORY, store.stat("d/").kind());
        assertEquals("d", store.stat("d/").name());
        assertEquals(FileStatus.IS_A_DIRECTORY, statusOf(() -> store.openDownload("d/")));
        assertEquals(FileStatus.IS_A_DIRECTORY, statusOf(() -> store.beginUpload("d/", 1)));
        store.rename("d/", "e/");
        store.delete("e/");
        assertEquals(List.of(), List.of(root.toFile().list()));
    }
}
