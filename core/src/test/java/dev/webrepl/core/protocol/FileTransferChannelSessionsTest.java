package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.core.files.FileStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SESSIONS on the file channel (PROTOCOL.md §10): the lister's bytes in acknowledged chunks as LIST
 * sends entries, 13 for a viewer, 22 from a channel without a lister; the request split anywhere.
 */
class FileTransferChannelSessionsTest extends FileTransferChannelTestBase {
    private static final String OK = "57420000";
    /** 40 bytes: with 16-byte chunks, two full chunks and one of 8. */
    private static final String LISTING = "[{\"id\":\"abc\",\"engine\":\"jshell\",\"x\":1}]  ";
    private static final byte[] ACK = {0};

    /** How many times the lister was asked. */
    private final List<String> asked = new ArrayList<>();

    private FileTransferChannel channel(boolean filesAllowed, String listing) {
        FileTransferChannel.SessionLister lister = listing == null ? null : () -> {
            asked.add(listing);
            return listing.getBytes(StandardCharsets.UTF_8);
        };
        return new FileTransferChannel(store, 16, VERSION, replies::add, recordEnded, filesAllowed, null, null,
                lister);
    }

    private static String chunk(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return HEX.formatHex(new byte[] {(byte) b.length, (byte) (b.length >>> 8)}) + HEX.formatHex(b);
    }

    @Test
    void theListingComesInAcknowledgedChunksThenAnEmptyChunkAndOk() {
        assertEquals(40, LISTING.length());
        FileTransferChannel c = channel(true, LISTING);
        feed(c, FileRequest.sessions().encode());
        assertEquals(List.of(OK), takeReplies(), "the status, and nothing before the first ack");
        assertEquals(List.of(LISTING), asked);
        feed(c, ACK);
        assertEquals(List.of(chunk(LISTING.substring(0, 16))), takeReplies());
        feed(c, ACK);
        assertEquals(List.of(chunk(LISTING.substring(16, 32))), takeReplies());
        feed(c, ACK);
        assertEquals(List.of(chunk(LISTING.substring(32))), takeReplies());
        feed(c, ACK);
        assertEquals(List.of("0000", OK), takeReplies(), "the empty chunk and the final status at once");
        assertEquals(List.of(new Ended(TransferListener.Kind.SESSIONS, 40, FileStatus.OK)), ended);
        assertGetVerAnswered(c);
    }

    @Test
    void anEmptyListIsOneChunkOfTwoBytes() {
        FileTransferChannel c = channel(true, "[]");
        feed(c, concat(FileRequest.sessions().encode(), ACK, ACK));
        assertEquals(List.of(OK, "02005b5d", "0000", OK), takeReplies());
    }

    @Test
    void theRequestSplitAtEveryPositionAndTheAcksInTheSameFeedGiveTheSameReplies() {
        byte[] all = concat(FileRequest.sessions().encode(), ACK, ACK, ACK, ACK);
        FileTransferChannel c = channel(true, LISTING);
        for (int cut = 0; cut <= all.length; cut++) {
            c.feed(all, 0, cut);
            c.feed(all, cut, all.length - cut);
            assertEquals(List.of(OK, chunk(LISTING.substring(0, 16)), chunk(LISTING.substring(16, 32)),
                    chunk(LISTING.substring(32)), "0000", OK), takeReplies(), "cut at " + cut);
        }
        assertEquals(all.length + 1, asked.size(), "listed afresh for every request");
    }

    @Test
    void nothingAfterTheRecordIsReadWhateverItsFlagsAndNameLength() {
        // LONG_NAME with a fname_len of 5: SESSIONS takes no name, so the next byte is already an ack.
        byte[] record = new FileRequest(FileRequest.SESSIONS, FileRequest.FLAG_LONG_NAME, 7, 9, 5,
                new byte[FileRequest.NAME_FIELD]).encode();
        FileTransferChannel c = channel(true, "[]");
        feed(c, concat(record, ACK, ACK));
        assertEquals(List.of(OK, "02005b5d", "0000", OK), takeReplies());
        assertGetVerAnswered(c);
    }

    @Test
    void aViewerIsRefusedWith13AndTheListerIsNotAsked() {
        FileTransferChannel c = channel(false, LISTING);
        feed(c, FileRequest.sessions().encode());
        assertEquals(List.of("57420d00"), takeReplies());
        assertEquals(List.of(), asked);
        assertEquals(List.of(new Ended(TransferListener.Kind.SESSIONS, 0, FileStatus.PERMISSION_DENIED)), ended);
        assertGetVerAnswered(c);
    }

    @Test
    void withoutAListerItIsAnUnknownType22ForViewersToo() {
        for (boolean filesAllowed : new boolean[] {true, false}) {
            FileTransferChannel c = channel(filesAllowed, null);
            feed(c, FileRequest.sessions().encode());
            assertEquals(List.of("57421600"), takeReplies());
            assertGetVerAnswered(c);
        }
        assertEquals(List.of(new Ended(TransferListener.Kind.UNKNOWN, 0, FileStatus.INVALID_REQUEST),
                new Ended(TransferListener.Kind.UNKNOWN, 0, FileStatus.INVALID_REQUEST)), ended);
    }

    @Test
    void aConnectionClosedMidListingReportsItAborted() {
        FileTransferChannel c = channel(true, LISTING);
        feed(c, concat(FileRequest.sessions().encode(), ACK));
        takeReplies();
        c.close();
        assertEquals(List.of(new Ended(TransferListener.Kind.SESSIONS, 16, FileStatus.IO_ERROR)), ended);
        assertGetVerAnswered(c);
    }
}
