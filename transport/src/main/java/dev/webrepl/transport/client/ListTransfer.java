package dev.webrepl.transport.client;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * LIST (PROTOCOL.md §4): {@code WB} + status; on 0 the concatenated entries in acknowledged chunks,
 * exactly as a GET sends a file ({@link ChunkedReply}), then the final {@code WB}. An entry may span
 * two chunks, so the entries are decoded once all have arrived.
 */
final class ListTransfer extends FileExchange<List<DirectoryEntry>> {
    /** Far more than any directory needs; a server sending more is not listing a directory. */
    static final int MAX_LISTING = 64 << 20;

    private final String directory;
    private final ByteArrayOutputStream listing = new ByteArrayOutputStream();
    private final ChunkedReply chunks = new ChunkedReply(this::collect);

    /** @throws IllegalArgumentException if the name is too long for the protocol; nothing is queued then */
    ListTransfer(String directory, CompletableFuture<List<DirectoryEntry>> result) {
        super("list " + directory, WireRequest.of(FileRequest.LIST, 0, 0, 0, directory), result);
        this.directory = directory;
    }

    @Override
    public void onReply(ByteBuf in) {
        if (!ok(chunks.read(in, link()))) {
            return;
        }
        List<DirectoryEntry> entries;
        try {
            entries = Entries.decode(listing.toByteArray());
        } catch (IllegalStateException e) {
            // The exchange itself ended in step, so the connection stays usable.
            fail(new IOException(what() + ": " + e.getMessage(), e));
            return;
        }
        succeed(entries);
    }

    private void collect(ByteBuf in, int n) {
        if (listing.size() + n > MAX_LISTING) {
            throw new IllegalStateException("a listing of " + directory + " longer than " + MAX_LISTING + " bytes");
        }
        byte[] bytes = new byte[n];
        in.readBytes(bytes);
        listing.writeBytes(bytes);
    }
}
