package dev.webrepl.transport.client;

import static dev.webrepl.transport.client.ScriptedPeer.chunk;
import static dev.webrepl.transport.client.ScriptedPeer.status;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.core.files.FileStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client's extension requests on the wire (PROTOCOL.md), against a scripted peer on a loopback
 * socket: every request is checked byte for byte and answered with the bytes the spec prescribes.
 */
@Timeout(60)
class FileExtensionsWireTest {
    @TempDir
    Path dir;

    private ScriptedPeer peer;
    private WebReplClient client;
    private ReplConnection connection;

    @BeforeEach
    void connect() throws IOException {
        peer = new ScriptedPeer();
        client = WebReplClient.newBuilder().wireMode(WireMode.STANDARD).build();
        CompletableFuture<ReplConnection> connecting = client.connect("127.0.0.1", peer.port(), "secret");
        peer.acceptAndLogIn();
        connection = connecting.join();
    }

    @AfterEach
    void close() throws IOException {
        connection.close();
        client.close();
        peer.close();
    }

    @Test
    void putOfA300ByteNameSendsTheRecordWithLongNameThenThe300NameBytes() throws IOException {
        String name = "d/" + "n".repeat(298);
        Path source = Files.writeString(dir.resolve("five.txt"), "hello");
        CompletableFuture<Long> put = connection.put(source, name, TransferProgress.NONE);

        assertArrayEquals(record(0x01, 0x01, 0, 5, 300, ""), peer.readBinary());
        assertArrayEquals(name.getBytes(StandardCharsets.UTF_8), peer.readBinary());
        peer.sendBinary(status(0));
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), peer.readBinary());
        peer.sendBinary(status(0));
        assertEquals(5, put.join());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 62, 63})
    void aNameOfAtMost63BytesGoesInTheFieldWithoutFlags(int length) throws IOException {
        String name = "é".repeat(length / 2) + "x".repeat(length % 2);
        CompletableFuture<DirectoryEntry> stat = connection.stat(name);
        assertArrayEquals(record(0x42, 0, 0, 0, length, name), peer.readBinary());
        peer.sendBinary(status(2));
        assertEquals(FileStatus.NOT_FOUND, transferFailure(stat).status());
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 4096})
    void aNameOfMoreThan63BytesFollowsTheRecord(int length) throws IOException {
        String name = "x".repeat(length);
        CompletableFuture<Void> delete = connection.delete(name);
        assertArrayEquals(record(0x44, 0x01, 0, 0, length, ""), peer.readBinary());
        assertArrayEquals(name.getBytes(StandardCharsets.US_ASCII), peer.readBinary());
        peer.sendBinary(status(0));
        delete.join();
    }

    @Test
    void aNameOver4096BytesFailsBeforeAnythingIsSent() throws IOException {
        CompletionException e = assertThrows(CompletionException.class,
                () -> connection.mkdir("x".repeat(4097)).join());
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        CompletableFuture<byte[]> version = connection.version();
        assertArrayEquals(record(0x03, 0, 0, 0, 0, ""), peer.readBinary(), "the next frame is GET_VER's");
        peer.sendBinary(new byte[] {0, 1, 0});
        assertArrayEquals(new byte[] {0, 1, 0}, version.join());
    }

    @Test
    void featuresAreTheNamesInTheFrameAfterTheStatus() throws IOException {
        CompletableFuture<java.util.Set<String>> features = connection.features();
        assertArrayEquals(record(0x41, 0, 0, 0, 0, ""), peer.readBinary());
        peer.sendBinary(status(0),
                "resize features stat list delete mkdir rename long-name resume".getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("resize", "features", "stat", "list", "delete", "mkdir", "rename", "long-name",
                "resume"), List.copyOf(features.join()));
    }

    @Test
    void featuresOfAServerWithoutExtensionsAreNone() throws IOException {
        CompletableFuture<java.util.Set<String>> features = connection.features();
        peer.readBinary();
        peer.sendBinary(status(22));
        assertEquals(java.util.Set.of(), features.join());
    }

    @Test
    void anEmptyFeatureFrameIsNoFeatures() throws IOException {
        CompletableFuture<java.util.Set<String>> features = connection.features();
        peer.readBinary();
        peer.sendBinary(status(0), new byte[0]);
        assertEquals(java.util.Set.of(), features.join());
    }

    @Test
    void statDecodesTheOneEntryEvenSplitOverFrames() throws IOException {
        CompletableFuture<DirectoryEntry> stat = connection.stat("/lib/x.py");
        assertArrayEquals(record(0x42, 0, 0, 0, 9, "/lib/x.py"), peer.readBinary());
        byte[] entry = entry('f', 1234, 1_700_000_000_123L, "x.py");
        peer.sendBinary(status(0), Arrays.copyOfRange(entry, 0, 10), Arrays.copyOfRange(entry, 10, entry.length));
        assertEquals(new DirectoryEntry(DirectoryEntry.Kind.FILE, 1234, 1_700_000_000_123L, "x.py"), stat.join());
    }

    @Test
    void listAcksEveryChunkAndDecodesEntriesThatSpanChunks() throws IOException {
        CompletableFuture<List<DirectoryEntry>> list = connection.list("/");
        assertArrayEquals(record(0x43, 0, 0, 0, 1, "/"), peer.readBinary());
        ByteArrayOutputStream listing = new ByteArrayOutputStream();
        listing.writeBytes(entry('d', 0, 1000, "lib"));
        listing.writeBytes(entry('f', 7, 2000, "main.py"));
        listing.writeBytes(entry('l', 3, 3000, "ünï"));
        byte[] all = listing.toByteArray();
        peer.sendBinary(status(0));
        for (int off = 0; off < all.length; off += 25) {
            assertArrayEquals(new byte[] {0}, peer.readBinary(), "one ack per chunk");
            peer.sendBinary(chunk(Arrays.copyOfRange(all, off, Math.min(all.length, off + 25))));
        }
        assertArrayEquals(new byte[] {0}, peer.readBinary());
        peer.sendBinary(chunk(new byte[0]), status(0));
        assertEquals(List.of(new DirectoryEntry(DirectoryEntry.Kind.DIRECTORY, 0, 1000, "lib"),
                new DirectoryEntry(DirectoryEntry.Kind.FILE, 7, 2000, "main.py"),
                new DirectoryEntry(DirectoryEntry.Kind.LINK, 3, 3000, "ünï")), list.join());
    }

    @Test
    void listOfAFileFailsWithNotADirectory() throws IOException {
        CompletableFuture<List<DirectoryEntry>> list = connection.list("main.py");
        peer.readBinary();
        peer.sendBinary(status(20));
        FileTransferException e = transferFailure(list);
        assertEquals(FileStatus.NOT_A_DIRECTORY, e.status());
        assertEquals("list main.py: a path component is not a directory (code 20)", e.getMessage());
    }

    @Test
    void deleteAndMkdirReportTheirStatusAndTheConnectionGoesOn() throws IOException {
        CompletableFuture<Void> delete = connection.delete("/full");
        assertArrayEquals(record(0x44, 0, 0, 0, 5, "/full"), peer.readBinary());
        peer.sendBinary(status(39));
        assertEquals(FileStatus.NOT_EMPTY, transferFailure(delete).status());

        CompletableFuture<Void> mkdir = connection.mkdir("/a/b");
        assertArrayEquals(record(0x45, 0, 0, 0, 4, "/a/b"), peer.readBinary());
        peer.sendBinary(status(17));
        assertEquals(FileStatus.EXISTS, transferFailure(mkdir).status());

        CompletableFuture<Void> again = connection.mkdir("/a/c");
        peer.readBinary();
        peer.sendBinary(status(0));
        again.join();
    }

    @Test
    void renameSendsTheDestinationLengthInSizeAndItsBytesAfterTheRecord() throws IOException {
        CompletableFuture<Void> rename = connection.rename("/old.txt", "/new/name.txt");
        assertArrayEquals(record(0x46, 0, 0, 13, 8, "/old.txt"), peer.readBinary());
        assertArrayEquals("/new/name.txt".getBytes(StandardCharsets.US_ASCII), peer.readBinary());
        peer.sendBinary(status(0));
        rename.join();
    }

    @Test
    void renameOfALongSourceSendsTheSourceNameThenTheDestination() throws IOException {
        String from = "s".repeat(100);
        CompletableFuture<Void> rename = connection.rename(from, "t");
        assertArrayEquals(record(0x46, 0x01, 0, 1, 100, ""), peer.readBinary());
        assertArrayEquals(from.getBytes(StandardCharsets.US_ASCII), peer.readBinary());
        assertArrayEquals(new byte[] {'t'}, peer.readBinary());
        peer.sendBinary(status(0));
        rename.join();
    }

    @Test
    void resumablePutReadsWhatTheServerHasAndSendsTheRest() throws IOException {
        byte[] content = new byte[3000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7);
        }
        Path source = Files.write(dir.resolve("big.bin"), content);
        List<long[]> updates = new CopyOnWriteArrayList<>();
        CompletableFuture<Long> put = connection.resumePut(source, "big.bin",
                (done, total) -> updates.add(new long[] {done, total}));
        assertArrayEquals(record(0x01, 0x02, 0, 3000, 7, "big.bin"), peer.readBinary());
        peer.sendBinary(status(0), u64(1000));
        assertArrayEquals(Arrays.copyOfRange(content, 1000, 3000), peer.readBinary());
        peer.sendBinary(status(0));
        assertEquals(3000, put.join());
        assertArrayEquals(new long[] {1000, 3000}, updates.get(0), "progress starts where the server was");
        assertArrayEquals(new long[] {3000, 3000}, updates.get(updates.size() - 1));
    }

    @Test
    void resumablePutOfAFileTheServerHasWholeSendsNoData() throws IOException {
        Path source = Files.writeString(dir.resolve("done.txt"), "abc");
        CompletableFuture<Long> put = connection.resumePut(source, "done.txt", TransferProgress.NONE);
        peer.readBinary();
        peer.sendBinary(status(0), u64(3));
        peer.sendBinary(status(0));
        assertEquals(3, put.join());
        CompletableFuture<byte[]> version = connection.version();
        assertArrayEquals(record(0x03, 0, 0, 0, 0, ""), peer.readBinary(), "no data frame came before it");
        peer.sendBinary(new byte[] {0, 1, 0});
        version.join();
    }

    @Test
    void aServerClaimingMoreThanTheFileBreaksTheConnection() throws IOException {
        Path source = Files.writeString(dir.resolve("small.txt"), "abc");
        CompletableFuture<Long> put = connection.resumePut(source, "small.txt", TransferProgress.NONE);
        peer.readBinary();
        peer.sendBinary(status(0), u64(4));
        CompletionException e = assertThrows(CompletionException.class, put::join);
        assertTrue(e.getCause().getMessage().contains("holds 4 bytes of a 3-byte upload"), e.getCause().toString());
        connection.onClose().join();
    }

    @Test
    void resumedGetAsksFromThePartialsLengthAndAppends() throws IOException {
        Path partial = Files.writeString(dir.resolve("f.txt.part"), "0123456789");
        CompletableFuture<Long> get = connection.resumeGet("/f.txt", partial, TransferProgress.NONE);
        assertArrayEquals(record(0x02, 0, 10, 0, 6, "/f.txt"), peer.readBinary());
        peer.sendBinary(status(0));
        assertArrayEquals(new byte[] {0}, peer.readBinary());
        peer.sendBinary(chunk("abcdef".getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(new byte[] {0}, peer.readBinary());
        peer.sendBinary(chunk(new byte[0]), status(0));
        assertEquals(16, get.join());
        assertEquals("0123456789abcdef", Files.readString(partial));
    }

    @Test
    void aFailedResumedGetKeepsWhatArrived() throws IOException {
        Path partial = dir.resolve("g.txt.part");
        CompletableFuture<Long> get = connection.resumeGet("/g.txt", partial, TransferProgress.NONE);
        assertArrayEquals(record(0x02, 0, 0, 0, 6, "/g.txt"), peer.readBinary());
        peer.sendBinary(status(0));
        peer.readBinary();
        peer.sendBinary(chunk("abc".getBytes(StandardCharsets.US_ASCII)));
        peer.readBinary();
        peer.sendBinary(chunk(new byte[0]), status(5));
        assertEquals(FileStatus.IO_ERROR, transferFailure(get).status());
        assertEquals("abc", Files.readString(partial));
    }

    private static FileTransferException transferFailure(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return assertInstanceOf(FileTransferException.class, e.getCause());
    }

    /** The 82-byte record (PROTOCOL.md §1): {@code WA type flags offset size fname_len fname}. */
    private static byte[] record(int type, int flags, long offset, long size, int nameLength, String field) {
        return ByteBuffer.allocate(82).order(ByteOrder.LITTLE_ENDIAN).put((byte) 'W').put((byte) 'A')
                .put((byte) type).put((byte) flags).putLong(offset).putInt((int) size).putShort((short) nameLength)
                .put(field.getBytes(StandardCharsets.UTF_8)).array();
    }

    /** One directory entry (PROTOCOL.md §4), written out by hand. */
    private static byte[] entry(char kind, long size, long mtime, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(19 + n.length).order(ByteOrder.LITTLE_ENDIAN).put((byte) kind).putLong(size)
                .putLong(mtime).putShort((short) n.length).put(n).array();
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
