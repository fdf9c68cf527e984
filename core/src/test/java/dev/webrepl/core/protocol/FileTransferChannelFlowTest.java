package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.webrepl.core.files.FileStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FLOW and ACK on the file channel (PROTOCOL.md §9): what reaches the listener and what is answered. */
class FileTransferChannelFlowTest {
    private static final byte[] VERSION = {0, 1, 0};
    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path tmp;
    /** Replies and listener calls, interleaved in the order they happened. */
    private final List<String> events = new ArrayList<>();

    private FileTransferChannel channel(boolean filesAllowed, boolean withFlow) throws IOException {
        FileTransferChannel.FlowListener flow = new FileTransferChannel.FlowListener() {
            @Override
            public void flow(int window, byte[] okReply) {
                events.add("flow " + window + " after " + HEX.formatHex(okReply));
            }

            @Override
            public void ack(long bytes) {
                events.add("ack " + bytes);
            }
        };
        return new FileTransferChannel(new FileStore(tmp.resolve("root")), 256, VERSION,
                reply -> events.add(HEX.formatHex(reply)), TransferListener.NONE, filesAllowed, null,
                withFlow ? flow : null);
    }

    private static void feed(FileTransferChannel c, FileRequest... requests) {
        for (FileRequest r : requests) {
            byte[] b = r.encode();
            c.feed(b, 0, b.length);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void flowHandsTheOkReplyToTheListenerAndAckIsNeverAnsweredForViewersToo(boolean filesAllowed)
            throws IOException {
        FileTransferChannel c = channel(filesAllowed, true);
        feed(c, FileRequest.flow(65536), FileRequest.ack(1000), FileRequest.ack(0xFFFF_FFFFL), FileRequest.flow(0));
        assertEquals(List.of("flow 65536 after 57420000", "ack 1000", "ack 4294967295", "flow 0 after 57420000"),
                events);
    }

    @Test
    void aWindowOf16MiBIsAcceptedAndOneByteMoreIsInvalid() throws IOException {
        FileTransferChannel c = channel(true, true);
        feed(c, FileRequest.flow(FileRequest.MAX_FLOW_WINDOW),
                new FileRequest(FileRequest.FLOW, 0, 0, FileRequest.MAX_FLOW_WINDOW + 1L, 0, new byte[64]));
        assertEquals(List.of("flow 16777216 after 57420000", "57421600"), events);
    }

    @Test
    void withoutAListenerFlowAndAckAreUnknownTypes() throws IOException {
        FileTransferChannel c = channel(true, false);
        feed(c, FileRequest.flow(1024), FileRequest.ack(10));
        assertEquals(List.of("57421600", "57421600"), events);
    }

    @Test
    void flowAndAckRequestsCheckTheirRange() {
        assertEquals(FileRequest.FLOW, FileRequest.flow(0).type());
        assertEquals(4096, FileRequest.flow(4096).size());
        assertEquals(FileRequest.ACK, FileRequest.ack(7).type());
        assertThrows(IllegalArgumentException.class, () -> FileRequest.flow(-1));
        assertThrows(IllegalArgumentException.class, () -> FileRequest.flow(FileRequest.MAX_FLOW_WINDOW + 1));
        assertThrows(IllegalArgumentException.class, () -> FileRequest.ack(1L << 32));
    }
}
