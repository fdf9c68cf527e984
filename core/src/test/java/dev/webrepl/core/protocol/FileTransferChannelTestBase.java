package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.files.FileStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file channel's surroundings for its tests: a {@link FileStore} on {@code <tempdir>/root}, the
 * replies it sends in {@link #replies} and the transfers it ends in {@link #ended}.
 */
abstract class FileTransferChannelTestBase {
    static final byte[] VERSION = {1, 0x1D, 0};
    static final HexFormat HEX = HexFormat.of();

    record Ended(TransferListener.Kind kind, long bytes, FileStatus status) { }

    @TempDir
    Path tmp;
    Path root;
    FileStore store;
    final List<byte[]> replies = new ArrayList<>();
    final List<Ended> ended = new ArrayList<>();
    /** Keeps every ended transfer in {@link #ended}. */
    final TransferListener recordEnded =
            (kind, detail, bytes, status, took) -> ended.add(new Ended(kind, bytes, status));

    @BeforeEach
    void setUpStore() throws IOException {
        store = new FileStore(tmp.resolve("root"));
        root = store.root();
    }

    static void feed(FileTransferChannel c, byte[] bytes) {
        c.feed(bytes, 0, bytes.length);
    }

    /** Replies as hex strings, so a failure shows readable bytes. */
    List<String> takeReplies() {
        List<String> hex = replies.stream().map(HEX::formatHex).toList();
        replies.clear();
        return hex;
    }

    /** GET_VER is answered with the version bytes alone. */
    void assertGetVerAnswered(FileTransferChannel c) {
        feed(c, FileRequest.of(FileRequest.GET_VER, 0, "").encode());
        assertEquals(List.of("011d00"), takeReplies());
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
