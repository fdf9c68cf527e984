package dev.webrepl.transport.client;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.core.files.FileStatus;
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
final class ListTransfer implements FileOperation {
    /** Far more than any directory needs; a server sending more is not listing a directory. */
    static final int MAX_LISTING = 64 << 20;

    private enum State { AWAIT_ACCEPT, CHUNKS, DONE }

    private final String directory;
    private final WireRequest request;
    private final CompletableFuture<List<DirectoryEntry>> result;
    private final ByteArrayOutputStream listing = new ByteArrayOutputStream();
    private FileLink link;
    private ChunkedReply chunks;
    private State state = State.AWAIT_ACCEPT;

    ListTransfer(String directory, WireRequest request, CompletableFuture<List<DirectoryEntry>> result) {
        this.directory = directory;
        this.request = request;
        this.result = result;
    }

    static WireRequest request(String directory) {
        return WireRequest.of(FileRequest.LIST, 0, 0, 0, directory);
    }

    @Override
    public void start(FileLink link) {
        this.link = link;
        this.chunks = new ChunkedReply(link, this::collect);
        request.send(link);
    }

    @Override
    public void onReply(ByteBuf in) {
        switch (state) {
            case AWAIT_ACCEPT -> {
                int code = Replies.status(in);
                if (code == Replies.INCOMPLETE) {
                    return;
                }
                if (code != FileStatus.OK.code()) {
                    finish(new FileTransferException("list " + directory, code));
                    return;
                }
                state = State.CHUNKS;
                chunks.begin();
            }
            case CHUNKS -> {
                int code = chunks.read(in);
                if (code == Replies.INCOMPLETE) {
                    return;
                }
                if (code != FileStatus.OK.code()) {
                    finish(new FileTransferException("list " + directory, code));
                    return;
                }
                List<DirectoryEntry> entries;
                try {
                    entries = Entries.decode(listing.toByteArray());
                } catch (IllegalStateException e) {
                    // The exchange itself ended in step, so the connection stays usable.
                    finish(new IOException("list " + directory + ": " + e.getMessage(), e));
                    return;
                }
                state = State.DONE;
                link.finished(this);
                result.complete(entries);
            }
            case DONE -> {
            }
        }
    }

    private void collect(ByteBuf in, int n) {
        if (listing.size() + n > MAX_LISTING) {
            throw new IllegalStateException("a listing of " + directory + " longer than " + MAX_LISTING + " bytes");
        }
        byte[] bytes = new byte[n];
        in.readBytes(bytes);
        listing.writeBytes(bytes);
    }

    private void finish(Throwable cause) {
        state = State.DONE;
        link.finished(this);
        result.completeExceptionally(cause);
    }

    @Override
    public void abort(Throwable cause) {
        state = State.DONE;
        result.completeExceptionally(cause);
    }
}
