package dev.webrepl.transport.client;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** STAT (PROTOCOL.md §4): {@code WB} + status; on 0 one entry, whose length its own header gives. */
final class StatRequest implements FileOperation {
    /** kind, size, mtime, then the u16 name length (PROTOCOL.md §4). */
    private static final int NAME_LENGTH_AT = 1 + 8 + 8;
    private static final int FIXED = NAME_LENGTH_AT + 2;

    private enum State { AWAIT_STATUS, AWAIT_ENTRY, DONE }

    private final String name;
    private final WireRequest request;
    private final CompletableFuture<DirectoryEntry> result;
    private FileLink link;
    private State state = State.AWAIT_STATUS;

    StatRequest(String name, WireRequest request, CompletableFuture<DirectoryEntry> result) {
        this.name = name;
        this.request = request;
        this.result = result;
    }

    static WireRequest request(String name) {
        return WireRequest.of(FileRequest.STAT, 0, 0, 0, name);
    }

    @Override
    public void start(FileLink link) {
        this.link = link;
        request.send(link);
    }

    @Override
    public void onReply(ByteBuf in) {
        switch (state) {
            case AWAIT_STATUS -> {
                int code = Replies.status(in);
                if (code == Replies.INCOMPLETE) {
                    return;
                }
                if (code == FileStatus.OK.code()) {
                    state = State.AWAIT_ENTRY;
                } else {
                    state = State.DONE;
                    link.finished(this);
                    result.completeExceptionally(new FileTransferException("stat " + name, code));
                }
            }
            case AWAIT_ENTRY -> {
                if (in.readableBytes() < FIXED) {
                    return;
                }
                int length = FIXED + in.getUnsignedShortLE(in.readerIndex() + NAME_LENGTH_AT);
                if (in.readableBytes() < length) {
                    return;
                }
                byte[] bytes = new byte[length];
                in.readBytes(bytes);
                List<DirectoryEntry> entries = Entries.decode(bytes);
                if (entries.size() != 1) {
                    throw new IllegalStateException("a STAT reply holds " + entries.size() + " entries");
                }
                state = State.DONE;
                link.finished(this);
                result.complete(entries.get(0));
            }
            case DONE -> {
            }
        }
    }

    @Override
    public void abort(Throwable cause) {
        result.completeExceptionally(cause);
    }
}
