package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.core.files.EntryCodec;
import dev.webrepl.core.files.FileStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The requests PROTOCOL.md adds to the file channel, fed split at every position. */
class FileTransferChannelExtensionsTest extends FileTransferChannelTestBase {
    private static final String OK = "57420000";
    private static final String LONG_DIR = "d".repeat(70);

    private FileTransferChannel channel(boolean filesAllowed) {
        return new FileTransferChannel(store, 16, VERSION, replies::add, recordEnded, filesAllowed);
    }

    private FileTransferChannel channel() {
        return channel(true);
    }

    /** Feeds {@code bytes} as two pieces cut at {@code cut}, from inside a larger array. */
    private static void feedCut(FileTransferChannel c, byte[] bytes, int cut) {
        byte[] padded = new byte[bytes.length + 10];
        System.arraycopy(bytes, 0, padded, 5, bytes.length);
        c.feed(padded, 5, cut);
        c.feed(padded, 5 + cut, bytes.length - cut);
    }

    private static String wb(int code) {
        return HEX.formatHex(FileTransferChannel.statusReply(FileStatus.ofCode(code)));
    }

    // --- FEATURES ---------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void featuresIsOkThenTheListEvenForAViewer(boolean filesAllowed) {
        FileTransferChannel c = channel(filesAllowed);
        feed(c, FileRequest.features().encode());
        assertEquals(List.of(OK, HEX.formatHex("resize features stat list delete mkdir rename long-name resume flow sessions"
                .getBytes(StandardCharsets.US_ASCII))), takeReplies());
        assertEquals(List.of(new Ended(TransferListener.Kind.FEATURES, 0, FileStatus.OK)), ended);
    }

    // --- STAT -------------------------------------------------------------------------------

    @Test
    void statWithALongNameSplitAtEveryPositionGivesOkAndOneEntry() throws IOException {
        Files.createDirectories(root.resolve(LONG_DIR));
        Path file = Files.writeString(root.resolve(LONG_DIR + "/f.txt"), "hello");
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_000_000L));
        String entry = HEX.formatHex(EntryCodec.encode(new DirectoryEntry(DirectoryEntry.Kind.FILE, 5, 1_700_000_000_000L, "f.txt")));
        byte[] request = FileRequest.named(FileRequest.STAT, 0, 0, 0, LONG_DIR + "/f.txt").bytes();
        assertEquals(82 + 76, request.length);
        FileTransferChannel c = channel();
        for (int cut = 0; cut <= request.length; cut++) {
            feedCut(c, request, cut);
            assertEquals(List.of(OK, entry), takeReplies(), "cut at " + cut);
        }
        assertGetVerAnswered(c);
    }

    @Test
    void statOfAMissingNameIs2AndNoEntry() {
        FileTransferChannel c = channel();
        feed(c, FileRequest.named(FileRequest.STAT, 0, 0, 0, "missing").bytes());
        assertEquals(List.of(wb(2)), takeReplies());
        assertEquals(List.of(new Ended(TransferListener.Kind.STAT, 0, FileStatus.NOT_FOUND)), ended);
    }

    // --- LIST -------------------------------------------------------------------------------

    @Test
    void listSendsTheEntriesInAckedChunksAsGetSendsAFile() throws Exception {
        Files.writeString(root.resolve("b.txt"), "bb");
        Files.createDirectories(root.resolve("a"));
        Files.createDirectories(root.resolve(".webrepl/partial"));
        byte[] expected = EntryCodec.encodeAll(store.list("/"));
        assertEquals(2, EntryCodec.decodeAll(expected).size());
        FileTransferChannel c = channel();

        feed(c, FileRequest.named(FileRequest.LIST, 0, 0, 0, "/").bytes());
        assertEquals(List.of(OK), takeReplies());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        List<String> frames = new ArrayList<>();
        while (frames.isEmpty() || !frames.get(frames.size() - 1).equals(OK)) {
            feed(c, new byte[] {0});
            frames = takeReplies();
            byte[] chunk = HEX.parseHex(frames.get(0));
            int n = (chunk[0] & 0xFF) | (chunk[1] & 0xFF) << 8;
            assertTrue(n <= 16);
            got.write(chunk, 2, n);
            assertEquals(n == 0 ? 2 : 1, frames.size());
        }
        assertArrayEquals(expected, got.toByteArray());
        assertEquals(List.of(new Ended(TransferListener.Kind.LIST, expected.length, FileStatus.OK)), ended);
    }

    @Test
    void listOfAFileIs20AndOfAMissingDirectory2() throws IOException {
        Files.writeString(root.resolve("f"), "x");
        FileTransferChannel c = channel();
        feed(c, FileRequest.named(FileRequest.LIST, 0, 0, 0, "f").bytes());
        feed(c, FileRequest.named(FileRequest.LIST, 0, 0, 0, "nope").bytes());
        assertEquals(List.of(wb(20), wb(2)), takeReplies());
        assertGetVerAnswered(c);
    }

    // --- DELETE, MKDIR ----------------------------------------------------------------------

    @Test
    void mkdirAndDeleteWithLongNamesSplitAtEveryPosition() throws IOException {
        String name = LONG_DIR + "/sub";
        byte[] mkdir = FileRequest.named(FileRequest.MKDIR, 0, 0, 0, name).bytes();
        byte[] delete = FileRequest.named(FileRequest.DELETE, 0, 0, 0, name).bytes();
        FileTransferChannel c = channel();
        for (int cut = 0; cut <= mkdir.length; cut++) {
            feedCut(c, mkdir, cut);
            assertTrue(Files.isDirectory(root.resolve(name)), "cut at " + cut);
            feedCut(c, delete, cut);
            assertFalse(Files.exists(root.resolve(name)), "cut at " + cut);
            assertEquals(List.of(OK, OK), takeReplies(), "cut at " + cut);
        }
        assertTrue(Files.isDirectory(root.resolve(LONG_DIR)));
    }

    @Test
    void deleteAndMkdirStatuses() throws IOException {
        Files.createDirectories(root.resolve("full"));
        Files.writeString(root.resolve("full/x"), "x");
        FileTransferChannel c = channel();
        feed(c, FileRequest.named(FileRequest.DELETE, 0, 0, 0, "full").bytes());
        feed(c, FileRequest.named(FileRequest.DELETE, 0, 0, 0, "/").bytes());
        feed(c, FileRequest.named(FileRequest.DELETE, 0, 0, 0, "gone").bytes());
        feed(c, FileRequest.named(FileRequest.MKDIR, 0, 0, 0, "full/x").bytes());
        feed(c, FileRequest.named(FileRequest.MKDIR, 0, 0, 0, ".webrepl").bytes());
        assertEquals(List.of(wb(39), wb(13), wb(2), wb(17), wb(13)), takeReplies());
        assertEquals(List.of(TransferListener.Kind.DELETE, TransferListener.Kind.DELETE, TransferListener.Kind.DELETE,
                TransferListener.Kind.MKDIR, TransferListener.Kind.MKDIR), ended.stream().map(Ended::kind).toList());
    }

    // --- RENAME -----------------------------------------------------------------------------

    @Test
    void renameWithAShortSourceSplitAtEveryPosition() throws IOException {
        Files.writeString(root.resolve("a.txt"), "content");
        byte[] there = FileRequest.rename("a.txt", "b.txt").bytes();
        byte[] back = FileRequest.rename("b.txt", "a.txt").bytes();
        FileTransferChannel c = channel();
        for (int cut = 0; cut <= there.length; cut++) {
            feedCut(c, there, cut);
            assertEquals("content", Files.readString(root.resolve("b.txt")), "cut at " + cut);
            feedCut(c, back, cut);
            assertEquals(List.of(OK, OK), takeReplies(), "cut at " + cut);
        }
        assertEquals("content", Files.readString(root.resolve("a.txt")));
    }

    @Test
    void renameWithALongSourceAndALongDestinationSplitAtEveryPosition() throws IOException {
        Files.createDirectories(root.resolve(LONG_DIR));
        String from = LONG_DIR + "/from.txt";
        String to = LONG_DIR + "/to.txt";
        Files.writeString(root.resolve(from), "x");
        byte[] there = FileRequest.rename(from, to).bytes();
        byte[] back = FileRequest.rename(to, from).bytes();
        assertEquals(82 + 79 + 77, there.length);
        FileTransferChannel c = channel();
        for (int cut = 0; cut <= there.length; cut++) {
            feedCut(c, there, cut);
            assertTrue(Files.exists(root.resolve(to)), "cut at " + cut);
            feedCut(c, back, Math.min(cut, back.length));
            assertEquals(List.of(OK, OK), takeReplies(), "cut at " + cut);
        }
    }

    @Test
    void renameStatusesAndTheDestinationIsReadEvenWhenTheSourceFails() throws IOException {
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("f"), "x");
        FileTransferChannel c = channel();
        feed(c, concat(FileRequest.rename("missing", "y").bytes(), FileRequest.rename("f", "d").bytes(),
                FileRequest.rename("f", "../out").bytes(), FileRequest.rename("/", "r").bytes()));
        assertEquals(List.of(wb(2), wb(17), wb(13), wb(13)), takeReplies());
        assertGetVerAnswered(c);
        assertEquals("x", Files.readString(root.resolve("f")));
    }

    @Test
    void renameWithADestinationLengthOf0Is22AndOver4096Is36AndNothingIsRead() {
        FileTransferChannel c = channel();
        byte[] zero = new FileRequest(FileRequest.RENAME, 0, 0, 0, 1, Arrays.copyOf(new byte[] {'f'}, 64)).encode();
        byte[] huge = new FileRequest(FileRequest.RENAME, 0, 0, 4097, 1, Arrays.copyOf(new byte[] {'f'}, 64)).encode();
        feed(c, concat(zero, huge, FileRequest.of(FileRequest.GET_VER, 0, "").encode()));
        assertEquals(List.of(wb(22), wb(36), "011d00"), takeReplies());
    }

    // --- long names -------------------------------------------------------------------------

    @Test
    void aLongNameLengthOf0Is22AndOf4097Is36AndNothingIsRead() {
        FileTransferChannel c = channel();
        byte[] zero = new FileRequest(FileRequest.STAT, FileRequest.FLAG_LONG_NAME, 0, 0, 0, new byte[64]).encode();
        byte[] huge = new FileRequest(FileRequest.GET_FILE, FileRequest.FLAG_LONG_NAME, 0, 0, 4097, new byte[64]).encode();
        feed(c, concat(zero, huge, FileRequest.of(FileRequest.GET_VER, 0, "").encode()));
        assertEquals(List.of(wb(22), wb(36), "011d00"), takeReplies());
        assertEquals(List.of(new Ended(TransferListener.Kind.STAT, 0, FileStatus.INVALID_REQUEST),
                new Ended(TransferListener.Kind.GET, 0, FileStatus.NAME_TOO_LONG)), ended);
    }

    @Test
    void aLongNameOf4096BytesIsAcceptedForAPut() throws IOException {
        String name = "./".repeat(2046) + "abcd";
        assertEquals(4096, name.length());
        FileTransferChannel c = channel();
        feed(c, concat(FileRequest.named(FileRequest.PUT_FILE, 0, 0, 2, name).bytes(), "hi".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of(OK, OK), takeReplies());
        assertEquals("hi", Files.readString(root.resolve("abcd")));
    }

    @Test
    void aLongNameThatIsNotUtf8IsTakenAsLatin1AfterItIsRead() {
        FileTransferChannel c = channel();
        byte[] name = new byte[100];
        Arrays.fill(name, (byte) 'a');
        name[50] = (byte) 0xE9;
        feed(c, concat(new FileRequest(FileRequest.STAT, FileRequest.FLAG_LONG_NAME, 0, 0, 100, new byte[64]).encode(), name));
        // Latin-1 (issue #16): "a" * 50 + "é" + "a" * 49, which does not exist.
        assertEquals(List.of(wb(2)), takeReplies());
        assertGetVerAnswered(c);
    }

    @Test
    void aLegacyPutAndGetWithLongNamesSplitAtEveryPosition() throws IOException {
        Files.createDirectories(root.resolve(LONG_DIR));
        String name = LONG_DIR + "/data.bin";
        byte[] put = concat(FileRequest.named(FileRequest.PUT_FILE, 0, 0, 3, name).bytes(), new byte[] {7, 8, 9});
        byte[] get = concat(FileRequest.named(FileRequest.GET_FILE, 0, 0, 0, name).bytes(), new byte[] {0, 0});
        FileTransferChannel c = channel();
        for (int cut = 0; cut <= put.length; cut++) {
            feedCut(c, put, cut);
            assertEquals(List.of(OK, OK), takeReplies(), "cut at " + cut);
            feedCut(c, get, Math.min(cut, get.length));
            assertEquals(List.of(OK, "0300070809", "0000", OK), takeReplies(), "cut at " + cut);
        }
    }

    // --- GET at an offset, resumable PUT ----------------------------------------------------

    @Test
    void getAtAnOffsetStartsThereAtTheSizeEndsAtOnceAndPastItIs22() throws IOException {
        Files.writeString(root.resolve("f"), "0123456789");
        FileTransferChannel c = channel();
        feed(c, concat(FileRequest.named(FileRequest.GET_FILE, 0, 7, 0, "f").bytes(), new byte[] {0, 0}));
        assertEquals(List.of(OK, "0300373839", "0000", OK), takeReplies());
        feed(c, concat(FileRequest.named(FileRequest.GET_FILE, 0, 10, 0, "f").bytes(), new byte[] {0}));
        assertEquals(List.of(OK, "0000", OK), takeReplies());
        feed(c, FileRequest.named(FileRequest.GET_FILE, 0, 11, 0, "f").bytes());
        assertEquals(List.of(wb(22)), takeReplies());
        assertGetVerAnswered(c);
    }

    @Test
    void aResumablePutCutShortKeepsItsBytesAndTheNextAnswersHaveAndContinues() throws IOException {
        byte[] data = new byte[40];
        new Random(6).nextBytes(data);
        FileTransferChannel first = channel();
        feed(first, FileRequest.named(FileRequest.PUT_FILE, FileRequest.FLAG_RESUMABLE, 0, 40, "r.bin").bytes());
        first.feed(data, 0, 17);
        first.close();
        assertEquals(List.of(OK, "0000000000000000"), takeReplies());
        assertFalse(Files.exists(root.resolve("r.bin")));

        FileTransferChannel second = channel();
        feed(second, FileRequest.named(FileRequest.PUT_FILE, FileRequest.FLAG_RESUMABLE, 0, 40, "r.bin").bytes());
        assertEquals(List.of(OK, "1100000000000000"), takeReplies());
        second.feed(data, 17, 23);

        assertEquals(List.of(OK), takeReplies());
        assertArrayEquals(data, Files.readAllBytes(root.resolve("r.bin")));
        assertEquals(List.of(new Ended(TransferListener.Kind.PUT, 17, FileStatus.IO_ERROR),
                new Ended(TransferListener.Kind.PUT, 23, FileStatus.OK)), ended);
        try (Stream<Path> s = Files.list(root.resolve(".webrepl/partial"))) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void aPutWithAnOffsetContinuesFromThereAndPastWhatIsHeldIs22() throws IOException {
        FileTransferChannel c = channel();
        feed(c, concat(FileRequest.named(FileRequest.PUT_FILE, FileRequest.FLAG_RESUMABLE, 0, 6, "o.txt").bytes(),
                "abcX".getBytes(StandardCharsets.US_ASCII)));
        c.close();
        takeReplies();
        feed(c, FileRequest.named(FileRequest.PUT_FILE, 0, 5, 6, "o.txt").bytes());
        assertEquals(List.of(wb(22)), takeReplies());
        feed(c, concat(FileRequest.named(FileRequest.PUT_FILE, 0, 3, 6, "o.txt").bytes(),
                "def".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of(OK, OK), takeReplies());
        assertEquals("abcdef", Files.readString(root.resolve("o.txt")));
    }

    @Test
    void aResumablePutWithAnOffsetAnswersHaveEqualToTheOffset() throws IOException {
        FileTransferChannel c = channel();
        feed(c, concat(FileRequest.named(FileRequest.PUT_FILE, FileRequest.FLAG_RESUMABLE, 0, 4, "h.txt").bytes(),
                "abX".getBytes(StandardCharsets.US_ASCII)));
        c.close();
        takeReplies();
        feed(c, concat(FileRequest.named(FileRequest.PUT_FILE, FileRequest.FLAG_RESUMABLE, 2, 4, "h.txt").bytes(),
                "cd".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of(OK, "0200000000000000", OK), takeReplies());
        assertEquals("abcd", Files.readString(root.resolve("h.txt")));
    }

    // --- view-only terminals ----------------------------------------------------------------

    @Test
    void aViewerGets13ForEveryNamedRequestAfterItsNamesAreRead() throws IOException {
        Files.writeString(root.resolve("f"), "keep");
        FileTransferChannel c = channel(false);
        byte[] stream = concat(
                FileRequest.named(FileRequest.STAT, 0, 0, 0, LONG_DIR).bytes(),
                FileRequest.named(FileRequest.LIST, 0, 0, 0, "/").bytes(),
                FileRequest.named(FileRequest.DELETE, 0, 0, 0, "f").bytes(),
                FileRequest.named(FileRequest.MKDIR, 0, 0, 0, LONG_DIR).bytes(),
                FileRequest.rename(LONG_DIR + "/x", LONG_DIR + "/y").bytes(),
                FileRequest.named(FileRequest.PUT_FILE, FileRequest.FLAG_RESUMABLE, 0, 4, "f").bytes(),
                FileRequest.named(FileRequest.GET_FILE, 0, 0, 0, LONG_DIR).bytes(),
                FileRequest.features().encode(),
                FileRequest.of(FileRequest.GET_VER, 0, "").encode());
        for (int i = 0; i < stream.length; i++) {
            c.feed(stream, i, 1);
        }
        List<String> got = takeReplies();
        assertEquals(List.of(wb(13), wb(13), wb(13), wb(13), wb(13), wb(13), wb(13), OK), got.subList(0, 8));
        assertEquals("011d00", got.get(9));
        assertEquals("keep", Files.readString(root.resolve("f")));
        assertFalse(Files.exists(root.resolve(LONG_DIR)));
        assertFalse(Files.exists(root.resolve(".webrepl")));
    }

    @Test
    void closeWhileReadingALongNameLeavesTheChannelReadyForARecord() {
        FileTransferChannel c = channel();
        byte[] request = FileRequest.named(FileRequest.STAT, 0, 0, 0, LONG_DIR).bytes();
        c.feed(request, 0, 90);
        c.close();
        assertGetVerAnswered(c);
        assertEquals(List.of(), ended);
    }
}
