package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.FileProtocol.ACK;
import static dev.webrepl.transport.conformance.FileProtocol.OK;
import static dev.webrepl.transport.conformance.FileProtocol.status;
import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.concat;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static dev.webrepl.transport.conformance.RawWebSocket.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.protocol.ConnectionRecorder;
import dev.webrepl.core.protocol.TransferListener;
import dev.webrepl.dupterm.Session;
import dev.webrepl.transport.server.ServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The file-channel extensions of PROTOCOL.md over real sockets: every operation and every error
 * status as exact bytes on the wire and files on disk, resumable PUT and GET across dropped
 * connections, and legacy exchanges next to them unchanged.
 */
class FileExtensionsConformanceTest extends ServerTestBase {
    private static final String FEATURE_LIST = "resize features stat list delete mkdir rename long-name resume flow sessions";
    private static final byte[] VERSION_REPLY = hex("82 03 00 01 00");
    private static final long MTIME = 1_700_000_000_123L;

    /** PUTs ended on the server (completed, refused or aborted by a drop): the signal that a partial is released. */
    private final AtomicInteger putsEnded = new AtomicInteger();
    private Path outside;

    @Override
    protected ServerOptions configure(ServerOptions options) {
        return options.withRecorder(new ConnectionRecorder() {
            @Override
            public void transferEnded(TransferListener.Kind kind, String detail, long bytes, FileStatus status,
                                      Duration took) {
                if (kind == TransferListener.Kind.PUT) {
                    putsEnded.incrementAndGet();
                }
            }
        });
    }

    @BeforeEach
    void makeOutsideWorld() throws IOException {
        outside = Files.createDirectories(tempDir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "do not touch");
    }

    private static byte[] bin(byte[] payload) {
        return frame(0x82, payload);
    }

    /** Sends one request (record and trailer in one frame) and expects exactly {@code WB} + {@code code}. */
    private static void expectStatus(RawWebSocket c, byte[] request, int code) throws IOException {
        c.send(bin(request));
        c.expectBinary(status(code));
    }

    private List<String> rootNames() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // --- FEATURES, GET_VER ------------------------------------------------------------------

    @Test
    @DisplayName("§3: FEATURES is WB 00 00 then one frame with the list; GET_VER stays the three version bytes")
    void featuresListsTheExtensionsAndGetVerIsUnchanged() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(bin(FileProtocol.record(FileProtocol.FEATURES, 0, 0, 0, 0, new byte[0])));
        c.expect(hex("82 04 57 42 00 00"));
        c.expect(concat(hex("82 4c"), ascii(FEATURE_LIST)));
        c.send(FileProtocol.getVerFrame());
        c.expect(VERSION_REPLY);
    }

    // --- STAT -------------------------------------------------------------------------------

    @Test
    @DisplayName("§4: STAT of a file, a directory and the root: WB 00 00 and one entry each")
    void statDescribesFilesDirectoriesAndTheRoot() throws Exception {
        Files.createDirectories(root.resolve("lib"));
        Files.write(root.resolve("lib/boot.py"), FileProtocol.pattern(300));
        Files.setLastModifiedTime(root.resolve("lib/boot.py"), FileTime.fromMillis(MTIME));
        Files.setLastModifiedTime(root.resolve("lib"), FileTime.fromMillis(MTIME + 1));
        RawWebSocket c = loggedIn();

        c.send(bin(FileProtocol.named(FileProtocol.STAT, 0, 0, 0, "/lib/boot.py")));
        c.expect(hex("82 04 57 42 00 00"));
        c.expect(concat(hex("82 1A 66 2C 01 00 00 00 00 00 00"), FileProtocol.u64(MTIME), hex("07 00"), ascii("boot.py")));
        c.send(bin(FileProtocol.named(FileProtocol.STAT, 0, 0, 0, "lib")));
        c.expectBinary(OK);
        c.expectBinary(FileProtocol.entry('d', 0, MTIME + 1, "lib"));
        c.send(bin(FileProtocol.named(FileProtocol.STAT, 0, 0, 0, "/")));
        c.expectBinary(OK);
        c.expectBinary(FileProtocol.entry('d', 0, Files.getLastModifiedTime(root).toMillis(), "/"));
    }

    @Test
    @DisplayName("§1, §4: STAT statuses: 2 missing, 20 below a file, 13 for '..', a symlink escape and .webrepl")
    void statStatuses() throws Exception {
        Files.writeString(root.resolve("f"), "x");
        Files.createSymbolicLink(root.resolve("out"), outside);
        RawWebSocket c = loggedIn();
        expectStatus(c, FileProtocol.named(FileProtocol.STAT, 0, 0, 0, "missing"), 2);
        expectStatus(c, FileProtocol.named(FileProtocol.STAT, 0, 0, 0, "f/x"), 20);
        expectStatus(c, FileProtocol.named(FileProtocol.STAT, 0, 0, 0, "../outside"), 13);
        expectStatus(c, FileProtocol.named(FileProtocol.STAT, 0, 0, 0, "out/secret.txt"), 13);
        expectStatus(c, FileProtocol.named(FileProtocol.STAT, 0, 0, 0, "/.webrepl"), 13);
        expectStatus(c, FileProtocol.named(FileProtocol.STAT, 0, 0, 0, ""), 22);
        c.send(FileProtocol.getVerFrame());
        c.expect(VERSION_REPLY);
    }

    // --- LIST -------------------------------------------------------------------------------

    @Test
    @DisplayName("§4: LIST sends the sorted entries in acked chunks as GET does; .webrepl is never listed")
    void listSendsSortedEntriesInChunks() throws Exception {
        restartWith(o -> configure(o).withGetChunkSize(16));
        Files.createDirectories(root.resolve(".webrepl/partial"));
        Files.createDirectories(root.resolve("b"));
        Files.writeString(root.resolve("a.txt"), "hello");
        Files.createSymbolicLink(root.resolve("c"), Path.of("a.txt"));
        for (String n : List.of("a.txt", "b")) {
            Files.setLastModifiedTime(root.resolve(n), FileTime.fromMillis(MTIME));
        }
        long linkTime = Files.getLastModifiedTime(root.resolve("c"), LinkOption.NOFOLLOW_LINKS).toMillis();
        byte[] expected = concat(FileProtocol.entry('f', 5, MTIME, "a.txt"), FileProtocol.entry('d', 0, MTIME, "b"),
                FileProtocol.entry('l', 5, linkTime, "c"));
        RawWebSocket c = loggedIn();

        c.send(bin(FileProtocol.named(FileProtocol.LIST, 0, 0, 0, "/")));
        c.expectBinary(OK);
        for (int at = 0; at < expected.length; at += 16) {
            c.send(ACK);
            c.expectBinary(FileProtocol.chunk(expected, at, Math.min(16, expected.length - at)));
        }
        c.send(ACK);
        c.expect(hex("82 02 00 00 82 04 57 42 00 00"));

        c.send(bin(FileProtocol.named(FileProtocol.LIST, 0, 0, 0, "b")));
        c.expectBinary(OK);
        assertEquals(0, FileProtocol.readChunks(c).length);
    }

    @Test
    @DisplayName("§4: LIST statuses: 20 for a file, 2 missing, 13 for '..', a symlink escape and .webrepl")
    void listStatuses() throws Exception {
        Files.writeString(root.resolve("f"), "x");
        Files.createSymbolicLink(root.resolve("out"), outside);
        RawWebSocket c = loggedIn();
        expectStatus(c, FileProtocol.named(FileProtocol.LIST, 0, 0, 0, "f"), 20);
        expectStatus(c, FileProtocol.named(FileProtocol.LIST, 0, 0, 0, "nope"), 2);
        expectStatus(c, FileProtocol.named(FileProtocol.LIST, 0, 0, 0, ".."), 13);
        expectStatus(c, FileProtocol.named(FileProtocol.LIST, 0, 0, 0, "out"), 13);
        expectStatus(c, FileProtocol.named(FileProtocol.LIST, 0, 0, 0, ".webrepl"), 13);
    }

    // --- DELETE, MKDIR, RENAME --------------------------------------------------------------

    @Test
    @DisplayName("§5: DELETE removes a file and an empty directory; 39 non-empty, 2 missing, 13 root, escapes, .webrepl")
    void deleteAndItsStatuses() throws Exception {
        Files.createDirectories(root.resolve("empty"));
        Files.createDirectories(root.resolve("full"));
        Files.writeString(root.resolve("full/x"), "x");
        Files.writeString(root.resolve("f"), "x");
        Files.createSymbolicLink(root.resolve("out"), outside);
        RawWebSocket c = loggedIn();
        expectStatus(c, FileProtocol.named(FileProtocol.DELETE, 0, 0, 0, "f"), 0);
        expectStatus(c, FileProtocol.named(FileProtocol.DELETE, 0, 0, 0, "/empty"), 0);
        expectStatus(c, FileProtocol.named(FileProtocol.DELETE, 0, 0, 0, "full"), 39);
        expectStatus(c, FileProtocol.named(FileProtocol.DELETE, 0, 0, 0, "f"), 2);
        expectStatus(c, FileProtocol.named(FileProtocol.DELETE, 0, 0, 0, "/"), 13);
        expectStatus(c, FileProtocol.named(FileProtocol.DELETE, 0, 0, 0, "../outside/secret.txt"), 13);
        expectStatus(c, FileProtocol.named(FileProtocol.DELETE, 0, 0, 0, "out/secret.txt"), 13);
        expectStatus(c, FileProtocol.named(FileProtocol.DELETE, 0, 0, 0, ".webrepl"), 13);
        assertEquals(List.of("full", "out"), rootNames());
        assertEquals("do not touch", Files.readString(outside.resolve("secret.txt")));
    }

    @Test
    @DisplayName("§5: MKDIR creates parents, 0 when it exists, 17 over a file, 13 through an escape")
    void mkdirAndItsStatuses() throws Exception {
        Files.writeString(root.resolve("f"), "x");
        Files.createSymbolicLink(root.resolve("out"), outside);
        RawWebSocket c = loggedIn();
        expectStatus(c, FileProtocol.named(FileProtocol.MKDIR, 0, 0, 0, "a/b/c"), 0);
        expectStatus(c, FileProtocol.named(FileProtocol.MKDIR, 0, 0, 0, "a/b"), 0);
        expectStatus(c, FileProtocol.named(FileProtocol.MKDIR, 0, 0, 0, "f"), 17);
        expectStatus(c, FileProtocol.named(FileProtocol.MKDIR, 0, 0, 0, "f/g"), 17);
        expectStatus(c, FileProtocol.named(FileProtocol.MKDIR, 0, 0, 0, "out/new"), 13);
        expectStatus(c, FileProtocol.named(FileProtocol.MKDIR, 0, 0, 0, ".webrepl/x"), 13);
        assertTrue(Files.isDirectory(root.resolve("a/b/c")));
        assertFalse(Files.exists(outside.resolve("new")));
    }

    @Test
    @DisplayName("§5: RENAME moves and replaces a file; 17 onto a directory, 2 missing, 13 root and outside")
    void renameAndItsStatuses() throws Exception {
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("a"), "new");
        Files.writeString(root.resolve("b"), "old");
        Files.createSymbolicLink(root.resolve("out"), outside);
        RawWebSocket c = loggedIn();
        // Record, then the destination in a frame of its own: the stream, not the frames, carries it.
        byte[] rename = FileProtocol.rename("a", "b");
        c.send(bin(Arrays.copyOf(rename, 82)), bin(Arrays.copyOfRange(rename, 82, rename.length)));
        c.expectBinary(OK);
        assertEquals("new", Files.readString(root.resolve("b")));
        expectStatus(c, FileProtocol.rename("b", "d"), 17);
        expectStatus(c, FileProtocol.rename("a", "c"), 2);
        expectStatus(c, FileProtocol.rename("/", "r"), 13);
        expectStatus(c, FileProtocol.rename("b", "../outside/b"), 13);
        expectStatus(c, FileProtocol.rename("b", "out/b"), 13);
        expectStatus(c, FileProtocol.rename("out/secret.txt", "stolen"), 13);
        expectStatus(c, FileProtocol.record(FileProtocol.RENAME, 0, 0, 0, 1, ascii("b")), 22);
        expectStatus(c, FileProtocol.record(FileProtocol.RENAME, 0, 0, 4097, 1, ascii("b")), 36);
        c.send(FileProtocol.getVerFrame());
        c.expect(VERSION_REPLY);
        assertEquals(List.of("b", "d", "out"), rootNames());
        assertFalse(Files.exists(outside.resolve("b")));
    }

    // --- long names -------------------------------------------------------------------------

    @Test
    @DisplayName("§2: a 300-byte name after the record, split across frames, for PUT, STAT, GET and RENAME")
    void longNamesWorkForEveryRequest() throws Exception {
        String dir = "d".repeat(200);
        String name = dir + "/" + "n".repeat(99);
        Files.createDirectories(root.resolve(dir));
        RawWebSocket c = loggedIn();

        byte[] put = FileProtocol.named(FileProtocol.PUT, 0, 0, 3, name);
        assertEquals(82 + 300, put.length);
        assertArrayEquals(hex("57 41 01 01"), Arrays.copyOf(put, 4));
        c.send(bin(Arrays.copyOf(put, 100)), bin(Arrays.copyOfRange(put, 100, 250)),
                bin(concat(Arrays.copyOfRange(put, 250, put.length), ascii("abc"))));
        c.expect(hex("82 04 57 42 00 00 82 04 57 42 00 00"));
        assertEquals("abc", Files.readString(root.resolve(name)));

        c.send(bin(FileProtocol.named(FileProtocol.GET, 0, 0, 0, name)));
        c.expectBinary(OK);
        assertArrayEquals(ascii("abc"), FileProtocol.readChunks(c));

        c.send(bin(FileProtocol.rename(name, name + ".bak")));
        c.expectBinary(OK);
        c.send(bin(FileProtocol.named(FileProtocol.STAT, 0, 0, 0, name + ".bak")));
        c.expectBinary(OK);
        assertEquals('f', c.readFrame().payload()[0]);
    }

    @Test
    @DisplayName("§2: names of 4096 bytes are read, 4097 get 36 and fname_len 0 gets 22, with nothing read")
    void longNameLimits() throws Exception {
        RawWebSocket c = loggedIn();
        String longest = "./".repeat(2046) + "abcd";
        c.send(bin(FileProtocol.named(FileProtocol.PUT, 0, 0, 1, longest)), bin(ascii("z")));
        c.expect(hex("82 04 57 42 00 00 82 04 57 42 00 00"));
        assertEquals("z", Files.readString(root.resolve("abcd")));
        expectStatus(c, FileProtocol.record(FileProtocol.STAT, FileProtocol.LONG_NAME, 0, 0, 4097, new byte[0]), 36);
        expectStatus(c, FileProtocol.record(FileProtocol.STAT, FileProtocol.LONG_NAME, 0, 0, 0, new byte[0]), 22);
        c.send(FileProtocol.getVerFrame());
        c.expect(VERSION_REPLY);
    }

    // --- SESSIONS ---------------------------------------------------------------------------

    @Test
    @DisplayName("§10: SESSIONS lists every session as JSON in acked chunks, oldest first, the asker's own marked")
    void sessionsListsEverySessionWithItsTerminals() throws Exception {
        RawWebSocket a = loggedIn();
        RawWebSocket b = loggedIn();
        loggedIn("/session/" + a.sessionId());
        loggedIn("/session/" + b.sessionId() + "?mode=view");
        // Opened one after the other: by creation time, and by id within the same millisecond.
        List<String> order = server.sessions().sessions().stream()
                .sorted(Comparator.comparing(Session::created)
                        .thenComparing(Session::id))
                .map(Session::id).toList();
        String first = "{\"id\":\"" + a.sessionId() + "\",\"engine\":\"echo\",\"created\":" + created(a.sessionId())
                + ",\"terminals\":2,\"viewers\":0,\"current\":%s}";
        String second = "{\"id\":\"" + b.sessionId() + "\",\"engine\":\"echo\",\"created\":" + created(b.sessionId())
                + ",\"terminals\":1,\"viewers\":1,\"current\":%s}";
        boolean aFirst = order.get(0).equals(a.sessionId());
        for (RawWebSocket asker : List.of(a, b)) {
            // Split: the record in two frames; the name field and flags are ignored, nothing follows.
            byte[] request = FileProtocol.record(FileProtocol.SESSIONS, FileProtocol.LONG_NAME, 0, 0, 9, new byte[0]);
            asker.send(bin(Arrays.copyOf(request, 30)), bin(Arrays.copyOfRange(request, 30, request.length)));
            asker.expectBinary(OK);
            String entryA = first.formatted(asker == a);
            String entryB = second.formatted(asker == b);
            assertEquals("[" + (aFirst ? entryA + "," + entryB : entryB + "," + entryA) + "]",
                    new String(FileProtocol.readChunks(asker), StandardCharsets.UTF_8));
            asker.send(FileProtocol.getVerFrame());
            asker.expect(VERSION_REPLY);
        }
    }

    private long created(String id) {
        return server.sessions().find(id).orElseThrow().created().toEpochMilli();
    }

    // --- view-only terminals ----------------------------------------------------------------

    @Test
    @DisplayName("§8: a viewer gets FEATURES and GET_VER; every other request (SESSIONS too) 13, its long names consumed")
    void viewerMayOnlyAskWhatTheServerDoes() throws Exception {
        Files.writeString(root.resolve("f"), "keep");
        RawWebSocket a = loggedIn();
        RawWebSocket v = loggedIn("/session/" + a.sessionId() + "?mode=view");
        String longName = "x".repeat(100);
        for (byte[] request : List.of(FileProtocol.named(FileProtocol.STAT, 0, 0, 0, longName),
                FileProtocol.named(FileProtocol.LIST, 0, 0, 0, "/"),
                FileProtocol.named(FileProtocol.DELETE, 0, 0, 0, "f"),
                FileProtocol.named(FileProtocol.MKDIR, 0, 0, 0, longName),
                FileProtocol.rename(longName, longName + "2"),
                FileProtocol.named(FileProtocol.PUT, FileProtocol.RESUMABLE, 0, 3, longName),
                FileProtocol.record(FileProtocol.SESSIONS, 0, 0, 0, 0, new byte[0]))) {
            expectStatus(v, request, 13);
        }
        v.send(bin(FileProtocol.record(FileProtocol.FEATURES, 0, 0, 0, 0, new byte[0])));
        v.expectBinary(OK);
        v.expectBinary(ascii(FEATURE_LIST));
        v.send(FileProtocol.getVerFrame());
        v.expect(VERSION_REPLY);
        assertEquals(List.of("f"), rootNames());
    }

    // --- resumable transfers ----------------------------------------------------------------

    @Test
    @DisplayName("§6: a resumable PUT dropped at random points and resumed on new sessions gives the same file")
    void resumablePutSurvivesRandomDrops() throws Exception {
        long seed = Long.getLong("webrepl.test.seed", System.nanoTime());
        Random random = new Random(seed);
        String why = "seed " + seed + " (rerun with -Dwebrepl.test.seed=" + seed + ")";
        byte[] data = new byte[150_000 + random.nextInt(50_000)];
        random.nextBytes(data);
        byte[] request = FileProtocol.named(FileProtocol.PUT, FileProtocol.RESUMABLE, 0, data.length, "up/load.bin");
        Files.createDirectories(root.resolve("up"));
        long have = 0;
        int drops = 3 + random.nextInt(5);
        for (int attempt = 0; ; attempt++) {
            RawWebSocket c = loggedIn();
            c.send(bin(request));
            c.expectBinary(OK);
            long told = ByteBuffer.wrap(c.readFrame().payload()).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertTrue(told >= have, why + ": the partial shrank from " + have + " to " + told);
            have = told;
            if (attempt == drops) {
                sendInFrames(c, Arrays.copyOfRange(data, (int) have, data.length), random);
                c.expectBinary(OK);
                break;
            }
            // Drop the TCP connection at a random byte of the data frames, possibly mid-frame.
            byte[] wire = framed(Arrays.copyOfRange(data, (int) have, data.length), random);
            c.send(Arrays.copyOf(wire, random.nextInt(wire.length)));
            c.close();
            int ended = attempt + 1;
            await("the server ended the dropped PUT (" + why + ")", () -> putsEnded.get() >= ended);
        }
        assertArrayEquals(data, Files.readAllBytes(root.resolve("up/load.bin")), why);
        try (Stream<Path> partials = Files.list(root.resolve(".webrepl/partial"))) {
            assertEquals(0, partials.count(), why + ": a partial is left");
        }
        assertEquals(List.of("load.bin"), Files.list(root.resolve("up")).map(p -> p.getFileName().toString()).toList(), why);
    }

    /** {@code data} as unmasked binary frames of random sizes (1 to 4096 bytes). */
    private static byte[] framed(byte[] data, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int at = 0; at < data.length; ) {
            int n = Math.min(data.length - at, 1 + random.nextInt(4096));
            out.writeBytes(bin(Arrays.copyOfRange(data, at, at + n)));
            at += n;
        }
        return out.toByteArray();
    }

    private static void sendInFrames(RawWebSocket c, byte[] data, Random random) throws IOException {
        c.send(framed(data, random));
    }

    @Test
    @DisplayName("§6: a GET dropped after random numbers of chunks and resumed at its offset gives the same bytes")
    void getResumesAtItsOffset() throws Exception {
        restartWith(o -> configure(o).withGetChunkSize(1000));
        long seed = Long.getLong("webrepl.test.seed", System.nanoTime());
        Random random = new Random(seed);
        String why = "seed " + seed;
        byte[] data = new byte[50_000 + random.nextInt(20_000)];
        random.nextBytes(data);
        Files.write(root.resolve("down.bin"), data);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean done = false;
        while (!done) {
            RawWebSocket c = loggedIn();
            c.send(bin(FileProtocol.named(FileProtocol.GET, 0, got.size(), 0, "down.bin")));
            c.expectBinary(OK);
            int acks = 1 + random.nextInt(20);
            for (int i = 0; i < acks; i++) {
                c.send(ACK);
                byte[] chunk = c.readFrame().payload();
                int n = (chunk[0] & 0xFF) | (chunk[1] & 0xFF) << 8;
                if (n == 0) {
                    c.expectBinary(OK);
                    done = true;
                    break;
                }
                got.write(chunk, 2, n);
            }
            c.close();
        }
        assertArrayEquals(data, got.toByteArray(), why);
    }

    @Test
    @DisplayName("§6: GET at the size ends at the first ack, past it is 22; a PUT offset past the partial is 22")
    void offsetStatuses() throws Exception {
        Files.writeString(root.resolve("f"), "0123456789");
        RawWebSocket c = loggedIn();
        c.send(bin(FileProtocol.named(FileProtocol.GET, 0, 10, 0, "f")));
        c.expectBinary(OK);
        c.send(ACK);
        c.expect(hex("82 02 00 00 82 04 57 42 00 00"));
        expectStatus(c, FileProtocol.named(FileProtocol.GET, 0, 11, 0, "f"), 22);
        expectStatus(c, FileProtocol.named(FileProtocol.PUT, 0, 1, 5, "g"), 22);
        expectStatus(c, FileProtocol.named(FileProtocol.PUT, FileProtocol.RESUMABLE, 6, 5, "g"), 22);
        c.send(FileProtocol.getVerFrame());
        c.expect(VERSION_REPLY);
        assertEquals(List.of("f"), rootNames().stream().filter(n -> !n.equals(".webrepl")).toList());
    }

    @Test
    @DisplayName("§6: a PUT stating its offset continues the partial from there: WB, have = offset, data, WB")
    void putWithAnOffsetContinuesThePartial() throws Exception {
        RawWebSocket first = loggedIn();
        first.send(bin(FileProtocol.named(FileProtocol.PUT, FileProtocol.RESUMABLE, 0, 6, "o.txt")));
        first.expectBinary(OK);
        first.expectBinary(FileProtocol.u64(0));
        first.send(bin(ascii("abcX")));
        // Frames still queued when the connection drops are not written: wait until these are.
        await("the partial holds the 4 bytes sent", () -> partialSizes().equals(List.of(4L)));
        first.close();
        await("the server ended the dropped PUT", () -> putsEnded.get() >= 1);

        RawWebSocket second = loggedIn();
        second.send(bin(FileProtocol.named(FileProtocol.PUT, FileProtocol.RESUMABLE, 3, 6, "o.txt")));
        second.expectBinary(OK);
        second.expectBinary(FileProtocol.u64(3));
        second.send(bin(ascii("def")));
        second.expectBinary(OK);
        assertEquals("abcdef", Files.readString(root.resolve("o.txt")));
    }

    private List<Long> partialSizes() {
        try (Stream<Path> s = Files.list(root.resolve(".webrepl/partial"))) {
            return s.map(p -> p.toFile().length()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Test
    @DisplayName("legacy: a PUT dropped mid-data still leaves no temporary file and creates no partial")
    void legacyPutDroppedLeavesNothing() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.putFrame("legacy.bin", 1000));
        c.expectBinary(OK);
        c.send(bin(FileProtocol.pattern(300)));
        c.close();
        await("the server ended the dropped PUT", () -> putsEnded.get() >= 1);
        assertEquals(List.of(), rootNames());
    }
}
