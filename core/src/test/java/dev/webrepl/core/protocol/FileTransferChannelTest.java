package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileTransferChannelTest extends FileTransferChannelTestBase {
    private FileTransferChannel channel() {
        return channel(256);
    }

    private FileTransferChannel channel(int chunkSize) {
        return new FileTransferChannel(store, chunkSize, VERSION, replies::add, recordEnded);
    }

    private static byte[] header(int type, long size, String name) {
        return FileRequest.of(type, size, name).encode();
    }

    private static byte[] header(int type, byte[] rawName) {
        return new FileRequest(type, 0, 0, 0, rawName.length, Arrays.copyOf(rawName, 64)).encode();
    }

    private static byte[] wb(int code) {
        return new byte[] {'W', 'B', (byte) code, (byte) (code >>> 8)};
    }

    private static List<String> hex(byte[]... payloads) {
        return Stream.of(payloads).map(HEX::formatHex).toList();
    }

    private static byte[] randomBytes(long seed, int n) {
        byte[] data = new byte[n];
        new Random(seed).nextBytes(data);
        return data;
    }

    private List<Path> partFiles() {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.getFileName().toString().startsWith(".webrepl-upload-")
                    || p.getFileName().toString().endsWith(".part")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- GET_VER -------------------------------------------------------------------------------

    @Test
    void getVerIsAnsweredWithTheThreeVersionBytesAndNoStatus() {
        FileTransferChannel channel = channel();

        feed(channel, header(FileRequest.GET_VER, 0, ""));

        assertEquals(List.of("011d00"), takeReplies());
        assertTrue(ended.isEmpty());
    }

    @Test
    void getVerWithAWrongSignatureIsStillServedAfterOneInvalidRequestStatus() {
        FileTransferChannel channel = channel();
        byte[] request = header(FileRequest.GET_VER, 0, "");

        feed(channel, concat("xyz".getBytes(StandardCharsets.US_ASCII), request));

        assertEquals(hex(wb(22), VERSION), takeReplies());
    }

    // --- PUT -----------------------------------------------------------------------------------

    @Test
    void putOfTheCliWireCaptureStoresTheTwelveBytes() throws IOException {
        FileTransferChannel channel = channel();
        byte[] request = header(FileRequest.PUT_FILE, 12, "small.txt");

        feed(channel, Arrays.copyOfRange(request, 0, 10));
        assertEquals(List.of(), takeReplies());
        feed(channel, Arrays.copyOfRange(request, 10, 82));
        assertEquals(hex(wb(0)), takeReplies());
        feed(channel, "print('hi')\n".getBytes(StandardCharsets.US_ASCII));

        assertEquals(hex(wb(0)), takeReplies());
        assertEquals("print('hi')\n", Files.readString(root.resolve("small.txt")));
        assertEquals(List.of(new Ended(TransferListener.Kind.PUT, 12, FileStatus.OK)), ended);
    }

    @Test
    void putHeaderSplitAtEveryPositionStoresTheFileByteExactly() throws IOException {
        byte[] data = randomBytes(1, 1000);
        for (int split = 1; split < FileRequest.LENGTH; split++) {
            String name = "split-" + split + ".bin";
            byte[] request = header(FileRequest.PUT_FILE, data.length, name);
            FileTransferChannel channel = channel();

            feed(channel, Arrays.copyOfRange(request, 0, split));
            assertEquals(List.of(), takeReplies(), "reply before the header was complete, split " + split);
            feed(channel, Arrays.copyOfRange(request, split, FileRequest.LENGTH));
            assertEquals(hex(wb(0)), takeReplies(), "split " + split);
            feed(channel, data);

            assertEquals(hex(wb(0)), takeReplies(), "split " + split);
            assertArrayEquals(data, Files.readAllBytes(root.resolve(name)), "split " + split);
        }
        assertEquals(List.of(), partFiles());
    }

    @Test
    void putHeaderSplitAtEveryPositionWithTheDataInTheSecondChunk() throws IOException {
        byte[] data = "hello world".getBytes(StandardCharsets.US_ASCII);
        for (int split = 1; split < FileRequest.LENGTH; split++) {
            String name = "together-" + split + ".txt";
            byte[] stream = concat(header(FileRequest.PUT_FILE, data.length, name), data);
            FileTransferChannel channel = channel();

            feed(channel, Arrays.copyOfRange(stream, 0, split));
            feed(channel, Arrays.copyOfRange(stream, split, stream.length));

            assertEquals(hex(wb(0), wb(0)), takeReplies(), "split " + split);
            assertArrayEquals(data, Files.readAllBytes(root.resolve(name)), "split " + split);
        }
    }

    @Test
    void putHeaderAndDataInOneChunkGetsBothStatusesAndStoresTheData() throws IOException {
        FileTransferChannel channel = channel();

        feed(channel, concat(header(FileRequest.PUT_FILE, 11, "hello.txt"),
                "hello world".getBytes(StandardCharsets.US_ASCII)));

        assertEquals(hex(wb(0), wb(0)), takeReplies());
        assertEquals("hello world", Files.readString(root.resolve("hello.txt")));
    }

    @Test
    void putHeaderDataAndTheNextRequestInOneChunkServesAllOfThem() throws IOException {
        FileTransferChannel channel = channel();

        feed(channel, concat(header(FileRequest.PUT_FILE, 3, "abc.txt"), "abc".getBytes(StandardCharsets.US_ASCII),
                header(FileRequest.GET_VER, 0, "")));

        assertEquals(hex(wb(0), wb(0), VERSION), takeReplies());
        assertEquals("abc", Files.readString(root.resolve("abc.txt")));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 20260819})
    void putDataFedInRandomChunkSizesIsStoredByteExactly(long seed) throws IOException {
        Random random = new Random(seed);
        byte[] data = randomBytes(seed, 100_000);
        FileTransferChannel channel = channel();
        feed(channel, header(FileRequest.PUT_FILE, data.length, "random.bin"));
        assertEquals(hex(wb(0)), takeReplies());

        int at = 0;
        while (at < data.length) {
            int n = Math.min(data.length - at, 1 + random.nextInt(random.nextBoolean() ? 8 : 3000));
            assertEquals(List.of(), takeReplies(), "status before the last byte, at " + at);
            channel.feed(data, at, n);
            at += n;
        }

        assertEquals(hex(wb(0)), takeReplies());
        assertArrayEquals(data, Files.readAllBytes(root.resolve("random.bin")));
        assertEquals(List.of(new Ended(TransferListener.Kind.PUT, data.length, FileStatus.OK)), ended);
    }

    @ParameterizedTest
    @ValueSource(longs = {7, 8, 9})
    void wholeRequestStreamCutAtRandomPositionsGivesTheSameRepliesAndFiles(long seed) throws IOException {
        Random random = new Random(seed);
        byte[] first = randomBytes(seed, 5000);
        byte[] second = randomBytes(seed + 1, 777);
        byte[] stream = concat(header(FileRequest.GET_VER, 0, ""),
                header(FileRequest.PUT_FILE, first.length, "one.bin"), first,
                header(FileRequest.PUT_FILE, 0, "empty.bin"),
                header(FileRequest.PUT_FILE, second.length, "dir-less-two.bin"), second);
        FileTransferChannel channel = channel();

        int at = 0;
        while (at < stream.length) {
            int n = Math.min(stream.length - at, 1 + random.nextInt(200));
            channel.feed(stream, at, n);
            at += n;
        }

        assertEquals(hex(VERSION, wb(0), wb(0), wb(0), wb(0), wb(0), wb(0)), takeReplies());
        assertArrayEquals(first, Files.readAllBytes(root.resolve("one.bin")));
        assertEquals(0, Files.size(root.resolve("empty.bin")));
        assertArrayEquals(second, Files.readAllBytes(root.resolve("dir-less-two.bin")));
    }

    @Test
    void putFedFromAnOffsetInsideALargerArrayUsesOnlyTheGivenRange() throws IOException {
        FileTransferChannel channel = channel();
        byte[] stream = concat(header(FileRequest.PUT_FILE, 4, "range.txt"), "data".getBytes(StandardCharsets.US_ASCII));
        byte[] padded = concat("junk".getBytes(StandardCharsets.US_ASCII), stream, "JUNK".getBytes(StandardCharsets.US_ASCII));

        channel.feed(padded, 4, stream.length);

        assertEquals(hex(wb(0), wb(0)), takeReplies());
        assertEquals("data", Files.readString(root.resolve("range.txt")));
    }

    @Test
    void putOfSizeZeroSendsTwoOkStatusesBackToBackAndCreatesAnEmptyFile() throws IOException {
        FileTransferChannel channel = channel();

        feed(channel, header(FileRequest.PUT_FILE, 0, "empty.bin"));

        assertEquals(hex(wb(0), wb(0)), takeReplies());
        assertTrue(Files.isRegularFile(root.resolve("empty.bin")));
        assertEquals(0, Files.size(root.resolve("empty.bin")));
        assertEquals(List.of(new Ended(TransferListener.Kind.PUT, 0, FileStatus.OK)), ended);
        assertGetVerAnswered(channel);
    }

    @Test
    void putReplacesAnExistingFile() throws IOException {
        Files.writeString(root.resolve("f.txt"), "an older and longer content");
        FileTransferChannel channel = channel();

        feed(channel, concat(header(FileRequest.PUT_FILE, 3, "f.txt"), "new".getBytes(StandardCharsets.US_ASCII)));

        assertEquals("new", Files.readString(root.resolve("f.txt")));
    }

    @Test
    void putLeavesNoTemporaryFileAfterCommit() throws IOException {
        Files.createDirectories(root.resolve("sub"));
        FileTransferChannel channel = channel();

        feed(channel, concat(header(FileRequest.PUT_FILE, 5, "sub/x.txt"), "12345".getBytes(StandardCharsets.US_ASCII)));

        assertEquals(hex(wb(0), wb(0)), takeReplies());
        assertEquals(List.of(), partFiles());
        try (Stream<Path> files = Files.list(root.resolve("sub"))) {
            assertEquals(List.of(root.resolve("sub/x.txt")), files.toList());
        }
    }

    @Test
    void closeMidPutDeletesTheTemporaryFileAndKeepsThePreviousContent() throws IOException {
        Files.writeString(root.resolve("keep.txt"), "previous");
        FileTransferChannel channel = channel();
        feed(channel, header(FileRequest.PUT_FILE, 10, "keep.txt"));
        feed(channel, "12345".getBytes(StandardCharsets.US_ASCII));
        assertEquals(1, partFiles().size(), "the upload goes to a temporary file");

        channel.close();

        assertEquals("previous", Files.readString(root.resolve("keep.txt")));
        assertEquals(List.of(), partFiles());
        assertEquals(List.of(new Ended(TransferListener.Kind.PUT, 5, FileStatus.IO_ERROR)), ended);
    }

    @Test
    void closeMidPutOfANewFileLeavesNoFileAtAll() throws IOException {
        FileTransferChannel channel = channel();
        feed(channel, header(FileRequest.PUT_FILE, 10, "new.txt"));

        channel.close();

        assertFalse(Files.exists(root.resolve("new.txt")));
        assertEquals(List.of(), partFiles());
    }

    @Test
    void afterCloseMidPutTheChannelServesNewRequests() {
        FileTransferChannel channel = channel();
        feed(channel, header(FileRequest.PUT_FILE, 10, "new.txt"));
        feed(channel, "WA".getBytes(StandardCharsets.US_ASCII));
        channel.close();
        takeReplies();

        assertGetVerAnswered(channel);
    }

    @Test
    void closeWithNoTransferTellsTheListenerNothing() {
        FileTransferChannel channel = channel();
        feed(channel, header(FileRequest.GET_VER, 0, ""));

        channel.close();

        assertTrue(ended.isEmpty());
    }

    @Test
    void putWhoseDirectoryVanishesBeforeTheLastByteEndsWithStatus2AndTheChannelCarriesOn() throws IOException {
        Path sub = Files.createDirectories(root.resolve("sub"));
        FileTransferChannel channel = channel();
        feed(channel, header(FileRequest.PUT_FILE, 4, "sub/x.txt"));
        feed(channel, "ab".getBytes(StandardCharsets.US_ASCII));
        for (Path part : partFiles()) {
            Files.delete(part);
        }
        Files.delete(sub);
        takeReplies();

        feed(channel, "cd".getBytes(StandardCharsets.US_ASCII));

        assertEquals(hex(wb(2)), takeReplies());
        assertEquals(List.of(new Ended(TransferListener.Kind.PUT, 4, FileStatus.NOT_FOUND)), ended);
        assertGetVerAnswered(channel);
    }

    // --- GET -----------------------------------------------------------------------------------

    @Test
    void getOfATwelveByteFileGivesOneChunkThenTheEmptyChunkAndStatusWithoutAnotherAck() throws IOException {
        Files.writeString(root.resolve("small.txt"), "print('hi')\n");
        FileTransferChannel channel = channel();

        feed(channel, header(FileRequest.GET_FILE, 0, "small.txt"));
        assertEquals(List.of("57420000"), takeReplies());
        feed(channel, new byte[] {0});
        assertEquals(List.of("0c00" + HEX.formatHex("print('hi')\n".getBytes(StandardCharsets.US_ASCII))), takeReplies());
        feed(channel, new byte[] {0});

        assertEquals(List.of("0000", "57420000"), takeReplies());
        assertEquals(List.of(new Ended(TransferListener.Kind.GET, 12, FileStatus.OK)), ended);
        assertGetVerAnswered(channel);
    }

    @Test
    void getOf1284BytesIn256ByteChunksMatchesConformanceTestT13() throws IOException {
        byte[] file = randomBytes(13, 1284);
        Files.write(root.resolve("big.bin"), file);
        FileTransferChannel channel = channel(256);

        feed(channel, header(FileRequest.GET_FILE, 0, "big.bin"));
        assertEquals(hex(wb(0)), takeReplies());
        for (int i = 0; i < 5; i++) {
            feed(channel, new byte[] {0});
            List<String> chunk = takeReplies();
            assertEquals(1, chunk.size(), "exactly one chunk per ack");
            assertEquals("0001" + HEX.formatHex(file, 256 * i, 256 * (i + 1)), chunk.get(0), "chunk " + i);
        }
        feed(channel, new byte[] {0});
        assertEquals(List.of("0400" + HEX.formatHex(file, 1280, 1284)), takeReplies());
        feed(channel, new byte[] {0});

        assertEquals(List.of("0000", "57420000"), takeReplies());
        assertEquals(List.of(new Ended(TransferListener.Kind.GET, 1284, FileStatus.OK)), ended);
    }

    @Test
    void getWithTheLargestChunkSizeSends65533BytesPerChunk() throws IOException {
        int max = FileTransferChannel.MAX_CHUNK;
        byte[] file = randomBytes(65533, 2 * max + 10);
        Files.write(root.resolve("huge.bin"), file);
        FileTransferChannel channel = channel(max);

        feed(channel, header(FileRequest.GET_FILE, 0, "huge.bin"));
        assertEquals(hex(wb(0)), takeReplies());
        for (int i = 0; i < 2; i++) {
            feed(channel, new byte[] {0});
            assertEquals(1, replies.size());
            byte[] chunk = replies.remove(0);
            assertEquals(2 + max, chunk.length);
            assertEquals(max, (chunk[0] & 0xFF) | (chunk[1] & 0xFF) << 8);
            assertArrayEquals(Arrays.copyOfRange(file, i * max, (i + 1) * max), Arrays.copyOfRange(chunk, 2, chunk.length));
        }
        feed(channel, new byte[] {0});
        assertEquals(List.of("0a00" + HEX.formatHex(file, 2 * max, file.length)), takeReplies());
        feed(channel, new byte[] {0});
        assertEquals(List.of("0000", "57420000"), takeReplies());
    }

    @Test
    void getAnswersEachAckByteOfOneChunkWithOneChunk() throws IOException {
        byte[] file = randomBytes(3, 600);
        Files.write(root.resolve("f.bin"), file);
        FileTransferChannel channel = channel(256);
        feed(channel, header(FileRequest.GET_FILE, 0, "f.bin"));
        takeReplies();

        feed(channel, new byte[] {0, 0});

        assertEquals(List.of("0001" + HEX.formatHex(file, 0, 256), "0001" + HEX.formatHex(file, 256, 512)), takeReplies());
    }

    @Test
    void getAckValueDoesNotMatter() throws IOException {
        Files.writeString(root.resolve("f.txt"), "x");
        FileTransferChannel channel = channel();
        feed(channel, header(FileRequest.GET_FILE, 0, "f.txt"));
        takeReplies();

        feed(channel, new byte[] {'W'});
        feed(channel, new byte[] {(byte) 0xFF});

        assertEquals(List.of("010078", "0000", "57420000"), takeReplies());
    }

    @Test
    void getOfAnEmptyFileEndsOnTheFirstAck() throws IOException {
        Files.write(root.resolve("empty.bin"), new byte[0]);
        FileTransferChannel channel = channel();

        feed(channel, header(FileRequest.GET_FILE, 0, "empty.bin"));
        feed(channel, new byte[] {0});

        assertEquals(List.of("57420000", "0000", "57420000"), takeReplies());
        assertEquals(List.of(new Ended(TransferListener.Kind.GET, 0, FileStatus.OK)), ended);
    }

    @Test
    void getHeaderAndFirstAckInOneChunkServeTheFirstChunk() throws IOException {
        Files.writeString(root.resolve("f.txt"), "abc");
        FileTransferChannel channel = channel();

        feed(channel, concat(header(FileRequest.GET_FILE, 0, "f.txt"), new byte[] {0}));

        assertEquals(List.of("57420000", "0300616263"), takeReplies());
    }

    @Test
    void getOfAFileInASubdirectoryWithALeadingSlash() throws IOException {
        Files.createDirectories(root.resolve("lib"));
        Files.writeString(root.resolve("lib/m.py"), "x=1");
        FileTransferChannel channel = channel();

        feed(channel, header(FileRequest.GET_FILE, 0, "/lib/m.py"));
        feed(channel, new byte[] {0});

        assertEquals(List.of("57420000", "0300" + HEX.formatHex("x=1".getBytes(StandardCharsets.US_ASCII))), takeReplies());
    }

    @Test
    void closeMidGetTellsTheListenerAndTheChannelServesNewRequests() throws IOException {
        Files.write(root.resolve("f.bin"), randomBytes(4, 1000));
        FileTransferChannel channel = channel(256);
        feed(channel, header(FileRequest.GET_FILE, 0, "f.bin"));
        feed(channel, new byte[] {0});
        takeReplies();

        channel.close();

        assertEquals(List.of(new Ended(TransferListener.Kind.GET, 256, FileStatus.IO_ERROR)), ended);
        assertGetVerAnswered(channel);
    }

    // --- errors --------------------------------------------------------------------------------

    private void assertError(byte[] request, int code, TransferListener.Kind kind) {
        FileTransferChannel channel = channel();

        feed(channel, request);

        assertEquals(hex(wb(code)), takeReplies());
        assertEquals(List.of(new Ended(kind, 0, FileStatus.ofCode(code))), ended);
        assertEquals(code, FileStatus.ofCode(code).code());
        assertGetVerAnswered(channel);
        assertEquals(List.of(), partFiles());
    }

    @Test
    void getOfAMissingFileIsStatus2() {
        assertError(header(FileRequest.GET_FILE, 0, "missing.txt"), 2, TransferListener.Kind.GET);
    }

    @Test
    void getOfADirectoryIsStatus21() throws IOException {
        Files.createDirectories(root.resolve("dir"));
        assertError(header(FileRequest.GET_FILE, 0, "dir"), 21, TransferListener.Kind.GET);
    }

    @Test
    void getOfTheRootIsStatus21() {
        assertError(header(FileRequest.GET_FILE, 0, "/"), 21, TransferListener.Kind.GET);
    }

    @Test
    void putOverADirectoryIsStatus21() throws IOException {
        Files.createDirectories(root.resolve("dir"));
        assertError(header(FileRequest.PUT_FILE, 3, "dir"), 21, TransferListener.Kind.PUT);
        assertTrue(Files.isDirectory(root.resolve("dir")));
    }

    @Test
    void putIntoAMissingDirectoryIsStatus2() {
        assertError(header(FileRequest.PUT_FILE, 3, "nodir/x.txt"), 2, TransferListener.Kind.PUT);
        assertFalse(Files.exists(root.resolve("nodir")));
    }

    @Test
    void getWithDotDotIsStatus13() throws IOException {
        Files.writeString(tmp.resolve("secret.txt"), "secret");
        assertError(header(FileRequest.GET_FILE, 0, "../secret.txt"), 13, TransferListener.Kind.GET);
    }

    @Test
    void putWithDotDotIsStatus13AndWritesNothingOutside() {
        assertError(header(FileRequest.PUT_FILE, 3, "a/../../evil.txt"), 13, TransferListener.Kind.PUT);
        assertFalse(Files.exists(tmp.resolve("evil.txt")));
    }

    @Test
    void getThroughASymlinkPointingOutsideTheRootIsStatus13() throws IOException {
        Files.writeString(tmp.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(root.resolve("link.txt"), tmp.resolve("secret.txt"));
        assertError(header(FileRequest.GET_FILE, 0, "link.txt"), 13, TransferListener.Kind.GET);
    }

    @Test
    void putThroughASymlinkedDirectoryOutsideTheRootIsStatus13() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("out"), outside);
        assertError(header(FileRequest.PUT_FILE, 3, "out/x.txt"), 13, TransferListener.Kind.PUT);
        try (Stream<Path> files = Files.list(outside)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void nameOf64BytesWithoutNulIsStatus36() {
        byte[] name = new byte[64];
        Arrays.fill(name, (byte) 'a');
        assertError(header(FileRequest.GET_FILE, name), 36, TransferListener.Kind.GET);
    }

    @Test
    void putWithA64ByteNameIsStatus36() {
        byte[] name = new byte[64];
        Arrays.fill(name, (byte) 'a');
        assertError(new FileRequest(FileRequest.PUT_FILE, 0, 0, 1, 64, name).encode(), 36, TransferListener.Kind.PUT);
    }

    /** The official page's charCodeAt encoding (issue #16): not UTF-8, so Latin-1, the same file as UTF-8 café.txt. */
    @Test
    void aLatin1NameAsTheOfficialPageSendsItNamesTheFileOfThoseCharacters() throws IOException {
        FileTransferChannel channel = channel();
        byte[] name = {'c', 'a', 'f', (byte) 0xE9, '.', 't', 'x', 't'};
        byte[] put = new FileRequest(FileRequest.PUT_FILE, 0, 0, 2, name.length, Arrays.copyOf(name, 64)).encode();

        feed(channel, concat(put, "hi".getBytes(StandardCharsets.US_ASCII)));

        assertEquals(hex(wb(0), wb(0)), takeReplies());
        assertEquals("hi", Files.readString(root.resolve("caf\u00e9.txt")));
    }

    @Test
    void emptyNameIsStatus22() {
        assertError(header(FileRequest.GET_FILE, 0, ""), 22, TransferListener.Kind.GET);
    }

    @Test
    void putWithAnEmptyNameIsStatus22() {
        assertError(header(FileRequest.PUT_FILE, 5, ""), 22, TransferListener.Kind.PUT);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 4, 7, 255})
    void unknownTypeIsStatus22(int type) {
        assertError(header(type, 0, "small.txt"), 22, TransferListener.Kind.UNKNOWN);
    }

    @Test
    void garbageBeforeTheSignatureGetsExactlyOneStatus22AndTheNextHeaderIsServed() {
        FileTransferChannel channel = channel();

        feed(channel, "garbage!".getBytes(StandardCharsets.US_ASCII));
        feed(channel, "more garbage in another frame, WWW".getBytes(StandardCharsets.US_ASCII));
        assertEquals(hex(wb(22)), takeReplies());
        feed(channel, header(FileRequest.GET_VER, 0, ""));

        assertEquals(hex(VERSION), takeReplies());
    }

    @Test
    void garbageByteByByteBeforeAPutGetsOneStatus22AndThePutWorks() throws IOException {
        FileTransferChannel channel = channel();
        byte[] stream = concat(new byte[] {0, 'W', 'X', 'A', 0, 'W'},
                header(FileRequest.PUT_FILE, 2, "ok.txt"), "ok".getBytes(StandardCharsets.US_ASCII));

        for (int i = 0; i < stream.length; i++) {
            channel.feed(stream, i, 1);
        }

        assertEquals(hex(wb(22), wb(0), wb(0)), takeReplies());
        assertEquals("ok", Files.readString(root.resolve("ok.txt")));
    }

    @Test
    void garbageAfterAServedRequestIsReportedAgain() {
        FileTransferChannel channel = channel();

        feed(channel, concat(new byte[] {1}, header(FileRequest.GET_VER, 0, ""), new byte[] {2},
                header(FileRequest.GET_VER, 0, "")));

        assertEquals(hex(wb(22), VERSION, wb(22), VERSION), takeReplies());
    }

    @Test
    void strayAckAfterAGetEndedIsGarbageNotAChunk() throws IOException {
        Files.writeString(root.resolve("f.txt"), "x");
        FileTransferChannel channel = channel();
        feed(channel, header(FileRequest.GET_FILE, 0, "f.txt"));

        feed(channel, new byte[] {0, 0, 0});

        assertEquals(List.of("57420000", "010078", "0000", "57420000", "57421600"), takeReplies());
        assertGetVerAnswered(channel);
    }

    @Test
    void aViewOnlyChannelRefusesPutAndGetWith13AndStillAnswersGetVer() throws IOException {
        java.nio.file.Files.writeString(root.resolve("secret.txt"), "keep");
        FileTransferChannel channel = new FileTransferChannel(store, 256, VERSION, replies::add,
                (kind, detail, bytes, status, took) -> ended.add(new Ended(kind, bytes, status)), false);

        feed(channel, header(FileRequest.PUT_FILE, 4, "secret.txt"));
        feed(channel, header(FileRequest.GET_FILE, 0, "secret.txt"));
        feed(channel, header(FileRequest.GET_VER, 0, ""));

        assertEquals(List.of("57420d00", "57420d00", "011d00"), takeReplies());
        assertEquals(List.of(new Ended(TransferListener.Kind.PUT, 0, FileStatus.PERMISSION_DENIED),
                new Ended(TransferListener.Kind.GET, 0, FileStatus.PERMISSION_DENIED)), ended);
        assertEquals("keep", java.nio.file.Files.readString(root.resolve("secret.txt")));
    }

    @Test
    void aResizeRequestReachesTheListenerAndIsAnsweredWithOk() {
        List<String> sizes = new ArrayList<>();
        FileTransferChannel channel = new FileTransferChannel(store, 256, VERSION, replies::add,
                TransferListener.NONE, true, (columns, rows) -> sizes.add(columns + "x" + rows));

        feed(channel, FileRequest.resize(132, 43).encode());

        assertEquals(List.of("132x43"), sizes);
        assertEquals(List.of("57420000"), takeReplies());
    }

    @Test
    void aResizeToZeroIsInvalidAndAResizeWithoutListenerIsRefused() {
        List<String> sizes = new ArrayList<>();
        FileTransferChannel listening = new FileTransferChannel(store, 256, VERSION, replies::add,
                TransferListener.NONE, true, (columns, rows) -> sizes.add(columns + "x" + rows));
        feed(listening, new FileRequest(FileRequest.RESIZE, 0, 0, 43L << 16, 0, new byte[64]).encode());
        FileTransferChannel viewer = new FileTransferChannel(store, 256, VERSION, replies::add,
                TransferListener.NONE, false, null);
        feed(viewer, FileRequest.resize(80, 24).encode());

        assertEquals(List.of(), sizes);
        assertEquals(List.of("57421600", "57420d00"), takeReplies());
    }

    @Test
    void resizeEncodesColumnsLowAndRowsHighInTheSizeField() {
        FileRequest r = FileRequest.resize(132, 43);
        assertEquals(FileRequest.RESIZE, r.type());
        assertEquals((43L << 16) | 132, r.size());
        assertThrows(IllegalArgumentException.class, () -> FileRequest.resize(0, 24));
        assertThrows(IllegalArgumentException.class, () -> FileRequest.resize(80, 65536));
    }
}
