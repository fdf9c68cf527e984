package dev.webrepl.transport.conformance;

import dev.webrepl.core.files.FileStore;

import static dev.webrepl.transport.conformance.FileProtocol.OK;
import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.concat;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static dev.webrepl.transport.conformance.RawWebSocket.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Hostile and broken file requests (spec §4.1, §4.6; DESIGN "Security defaults"). Each test asserts
 * the exact status, and after it: nothing outside the root changed, and a new session still logs
 * in and gets its GET_VER answered.
 */
class FileSandboxConformanceTest extends ServerTestBase {
    private static final Path ETC_PASSWD = Paths.get("/etc/passwd");
    private Path outside;
    private Path secret;
    private Map<String, String> outsideBefore;
    private String passwdBefore;

    @BeforeEach
    void makeOutsideWorld() throws IOException {
        outside = Files.createDirectories(tempDir.resolve("outside"));
        secret = Files.writeString(outside.resolve("secret.txt"), "do not touch");
        Files.writeString(tempDir.resolve("x"), "beside the root");
        outsideBefore = snapshotOutsideRoot();
        passwdBefore = Files.exists(ETC_PASSWD) ? Files.readString(ETC_PASSWD) : null;
    }

    @AfterEach
    void outsideUnchangedAndServerStillServes() throws IOException {
        assertEquals(outsideBefore, snapshotOutsideRoot(), "files outside the root changed");
        assertEquals(passwdBefore, Files.exists(ETC_PASSWD) ? Files.readString(ETC_PASSWD) : null);
        RawWebSocket next = loggedIn();
        next.send(FileProtocol.getVerFrame());
        next.expect(hex("82 03 00 01 00"));
    }

    @Test
    @DisplayName("§4.1: PUT '../x' is refused with 13")
    void putDotDotIsRefused() throws Exception {
        putExpectingStatus("../x", 13);
    }

    @Test
    @DisplayName("§4.1: PUT '/../../etc/passwd' is refused with 13")
    void putAbsoluteEscapeIsRefused() throws Exception {
        putExpectingStatus("/../../etc/passwd", 13);
    }

    @Test
    @DisplayName("§4.1: PUT 'a/../../b' is refused with 13")
    void putNestedDotDotIsRefused() throws Exception {
        Files.createDirectories(root.resolve("a"));
        putExpectingStatus("a/../../b", 13);
    }

    @Test
    @DisplayName("§4.1: GET '../outside/secret.txt' is refused with 13")
    void getDotDotIsRefused() throws Exception {
        getExpectingStatus("../outside/secret.txt", 13);
    }

    @Test
    @DisplayName("symlink escape: PUT through a directory symlink pointing outside is refused with 13")
    void putThroughDirectorySymlinkIsRefused() throws Exception {
        Files.createSymbolicLink(root.resolve("link"), outside);
        putExpectingStatus("link/secret.txt", 13);
        putExpectingStatus("link/new.txt", 13);
    }

    @Test
    @DisplayName("symlink escape: GET through a directory symlink pointing outside is refused with 13")
    void getThroughDirectorySymlinkIsRefused() throws Exception {
        Files.createSymbolicLink(root.resolve("link"), outside);
        getExpectingStatus("link/secret.txt", 13);
    }

    @Test
    @DisplayName("symlink escape: PUT and GET of a file symlink pointing outside are refused with 13")
    void fileSymlinkIsRefused() throws Exception {
        Files.createSymbolicLink(root.resolve("alias.txt"), secret);
        putExpectingStatus("alias.txt", 13);
        getExpectingStatus("alias.txt", 13);
        assertTrue(Files.isSymbolicLink(root.resolve("alias.txt")), "the link itself was replaced");
    }

    @Test
    @DisplayName("§4.1: a 63-byte name (NUL inside the field) works")
    void sixtyThreeByteNameWorks() throws Exception {
        String name = "n".repeat(59) + ".txt";
        assertEquals(63, name.length());
        RawWebSocket c = loggedIn();
        c.send(frame(0x82, concat(FileProtocol.header(FileProtocol.PUT, 3, name), ascii("abc"))));
        c.expect(hex("82 04 57 42 00 00 82 04 57 42 00 00"));
        assertEquals("abc", Files.readString(root.resolve(name)));
    }

    @Test
    @DisplayName("§4.1: a 64-byte name with no NUL terminator gets 36 and creates nothing")
    void sixtyFourByteNameIsTooLong() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(frame(0x82, FileProtocol.header(FileProtocol.PUT, 3, ascii("m".repeat(64)))));
        c.expectBinary(FileProtocol.status(36));
        assertEquals(List.of(), rootEntries());
    }

    @Test
    @DisplayName("§4.1: a name that is not UTF-8 (Latin-1 'caf\\xe9.txt', as the official page sends it) is taken as Latin-1")
    void nonUtf8NameIsTakenAsLatin1() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(frame(0x82, FileProtocol.header(FileProtocol.PUT, 3, hex("63 61 66 E9 2E 74 78 74"))));
        c.expectBinary(FileProtocol.status(0));
        c.send(frame(0x82, "abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        c.expectBinary(FileProtocol.status(0));
        assertEquals("abc", Files.readString(root.resolve("caf\u00e9.txt")));
    }

    @Test
    @DisplayName("a PUT larger than the free space gets 28 and creates nothing")
    void putLargerThanFreeSpaceIsRejected() throws Exception {
        // PUT sizes are u32 (at most 4 GiB - 1), more than this disk lacks: the store is told that
        // only 1 MB is free, which is what the free-space check reads.
        FileStore small = new FileStore(root, dir -> 1_000_000);
        restartWith(options -> options.withFiles(small));
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.putFrame("huge.bin", 1_000_001));
        c.expectBinary(FileProtocol.status(28));
        c.send(FileProtocol.putFrame("fits.bin", 0));
        c.expectBinary(FileProtocol.status(0));
        c.expectBinary(FileProtocol.status(0));
        assertEquals(List.of("fits.bin"), rootEntries());
    }

    @Test
    @DisplayName("T19: an unknown type gets 22 and creates nothing")
    void unknownTypeIsRejected() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(frame(0x82, FileProtocol.header(9, 5, "t.txt")));
        c.expectBinary(FileProtocol.status(22));
        c.send(FileProtocol.getVerFrame());
        c.expect(hex("82 03 00 01 00"));
        assertEquals(List.of(), rootEntries());
    }

    @Test
    @DisplayName("§4.6: garbage before 'WA' gets one WB 16 00 (22), then the following GET_VER is answered")
    void garbageBeforeSignatureIsReportedOnce() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(hex("82 05 01 02 03 04 05"), FileProtocol.getVerFrame());
        c.expect(hex("82 04 57 42 16 00"));
        c.expect(hex("82 03 00 01 00"));
    }

    @Test
    @DisplayName("a truncated PUT header then a disconnect leaves no file and no temporary file")
    void truncatedHeaderThenCloseLeavesNothing() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(frame(0x82, Arrays.copyOf(FileProtocol.header(FileProtocol.PUT, 10, "t.txt"), 40)));
        c.close();
        // The session ends when the server has handled the disconnect: the observable end point.
        await("the server has ended the session", () -> server.sessions().size() == 0);
        assertEquals(List.of(), rootEntries());
    }

    @Test
    @DisplayName("a disconnect mid-PUT keeps the old file intact and leaves no partial or temporary file")
    void disconnectMidPutKeepsOldFile() throws Exception {
        Files.writeString(root.resolve("keep.txt"), "old content");
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.putFrame("keep.txt", 1000));
        c.expectBinary(OK);
        c.send(frame(0x82, FileProtocol.pattern(300)));
        await("the server has stored 300 bytes in its upload file", () -> tempFiles().size() == 1
                && sizeOf(tempFiles().get(0)) == 300);
        c.close();
        await("the upload file is removed", () -> tempFiles().isEmpty());
        assertEquals("old content", Files.readString(root.resolve("keep.txt")));
        assertEquals(List.of("keep.txt"), rootEntries());
    }

    @Test
    @DisplayName("a disk that fills up during a PUT: 28 at the end, the old file intact, no temporary file, the session goes on")
    void diskFullDuringPutKeepsTheOldFile() throws Exception {
        Files.writeString(root.resolve("keep.txt"), "old content");
        // The free-space check at the header passes; the disk then fills after 2500 bytes, as ENOSPC.
        java.util.concurrent.atomic.AtomicLong room = new java.util.concurrent.atomic.AtomicLong(2500);
        FileStore filling = new FileStore(root, dir -> Long.MAX_VALUE, java.time.Clock.systemUTC(), (channel, bytes) -> {
            if (room.addAndGet(-bytes.remaining()) < 0) {
                throw new java.nio.file.FileSystemException(null, null, "No space left on device");
            }
            return channel.write(bytes);
        });
        restartWith(options -> options.withFiles(filling));
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.putFrame("keep.txt", 5000));
        c.expectBinary(OK);
        for (int i = 0; i < 5; i++) {
            c.send(frame(0x82, FileProtocol.pattern(1000)));
        }
        // Every announced byte is read (the stream stays in step), then the final status says why.
        c.expectBinary(FileProtocol.status(28));
        assertEquals("old content", Files.readString(root.resolve("keep.txt")));
        assertEquals(List.of(), tempFiles());
        assertEquals(List.of("keep.txt"), rootEntries());
        c.send(FileProtocol.getVerFrame());
        c.expect(hex("82 03 00 01 00"));
    }

    @Test
    @DisplayName("a PUT onto a directory gets 21 and the directory is untouched")
    void putOntoDirectoryIsRejected() throws Exception {
        Files.createDirectories(root.resolve("dir"));
        putExpectingStatus("dir", 21);
        assertTrue(Files.isDirectory(root.resolve("dir")));
    }

    @Test
    @DisplayName("issue #15.6: GETs and a PUT of a FIFO get 13 at once; another client logs in and renames meanwhile")
    void fifoIsRefusedAtOnce() throws Exception {
        Process mkfifo = new ProcessBuilder("mkfifo", root.resolve("fifo").toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        Files.writeString(root.resolve("a.txt"), "a");
        RawWebSocket c = loggedIn();
        for (int i = 0; i < 16; i++) {
            c.send(FileProtocol.getFrame("fifo"));
        }
        for (int i = 0; i < 16; i++) {
            c.expectBinary(FileProtocol.status(13));
        }
        putExpectingStatus("fifo", 13);
        RawWebSocket other = loggedIn();
        other.send(frame(0x82, FileProtocol.rename("a.txt", "b.txt")));
        other.expectBinary(OK);
        assertEquals(List.of("b.txt", "fifo"), rootEntries());
    }

    @Test
    @DisplayName("issue #15.1: a client RENAME-swapping a directory with one holding an outside link never lets another's GET or PUT out")
    void renameSwapOverTheWireNeverLeavesTheRoot() throws Exception {
        Files.createDirectories(root.resolve("A/w"));
        Files.writeString(root.resolve("A/w/secret.txt"), "inside");
        Files.createDirectories(root.resolve("B"));
        Files.createSymbolicLink(root.resolve("B/w"), Path.of("../../outside"));
        RawWebSocket swapper = loggedIn();
        RawWebSocket reader = loggedIn();
        RawWebSocket writer = loggedIn();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ConcurrentLinkedQueue<String> escapes = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.ConcurrentLinkedQueue<Throwable> crashes = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Thread reading = new Thread(() -> {
            try {
                while (!done.get()) {
                    reader.send(FileProtocol.getFrame("A/w/secret.txt"));
                    byte[] status = reader.readFrame().payload();
                    if (Arrays.equals(status, OK)) {
                        String got = new String(FileProtocol.readChunks(reader), java.nio.charset.StandardCharsets.UTF_8);
                        if (!got.equals("inside")) {
                            escapes.add("GET read " + got);
                        }
                    }
                }
            } catch (Throwable e) {
                crashes.add(e);
            }
        }, "wire-reader");
        Thread writing = new Thread(() -> {
            try {
                while (!done.get()) {
                    writer.send(FileProtocol.putFrame("A/w/put.txt", 3));
                    if (Arrays.equals(writer.readFrame().payload(), OK)) {
                        writer.send(frame(0x82, new byte[] {'p', 'u', 't'}));
                        writer.readFrame();
                    }
                }
            } catch (Throwable e) {
                crashes.add(e);
            }
        }, "wire-writer");
        reading.start();
        writing.start();
        // Pipelined swaps, 3 renames each: A -> T, B -> A, T -> B; bounded in count and time.
        byte[] swaps = concat(frame(0x82, FileProtocol.rename("A", "T")), frame(0x82, FileProtocol.rename("B", "A")),
                frame(0x82, FileProtocol.rename("T", "B")));
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
        try {
            for (int round = 0; round < 5000 && System.nanoTime() < deadline; round++) {
                for (int i = 0; i < 20; i++) {
                    swapper.send(swaps);
                }
                for (int i = 0; i < 60; i++) {
                    swapper.readFrame();
                }
            }
        } finally {
            done.set(true);
            reading.join();
            writing.join();
        }
        assertEquals(List.of(), List.copyOf(crashes));
        assertEquals(List.of(), List.copyOf(escapes));
        assertTrue(tempFiles().isEmpty(), "temporary file left behind");
        // The outside directory is compared with its snapshot after each test.
    }

    private void putExpectingStatus(String name, int status) throws IOException {
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.putFrame(name, 4));
        c.expectBinary(FileProtocol.status(status));
        // The refused PUT's data is not expected: the channel is back to reading headers.
        c.send(FileProtocol.getVerFrame());
        c.expect(hex("82 03 00 01 00"));
        assertTrue(tempFiles().isEmpty(), "temporary file left behind");
    }

    private void getExpectingStatus(String name, int status) throws IOException {
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.getFrame(name));
        c.expectBinary(FileProtocol.status(status));
        c.send(FileProtocol.getVerFrame());
        c.expect(hex("82 03 00 01 00"));
    }

    /** Every path under the temp dir but outside the root, with file contents (links as targets). */
    private Map<String, String> snapshotOutsideRoot() throws IOException {
        Map<String, String> snap = new TreeMap<>();
        try (Stream<Path> all = Files.walk(tempDir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (p.startsWith(root)) {
                    continue;
                }
                String key = tempDir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    snap.put(key, "link:" + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    snap.put(key, Files.readString(p));
                } else {
                    snap.put(key, "dir");
                }
            }
        }
        return snap;
    }

    private List<String> rootEntries() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private List<Path> tempFiles() {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().matches("\\.webrepl-upload-.*\\.part")).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }
}
