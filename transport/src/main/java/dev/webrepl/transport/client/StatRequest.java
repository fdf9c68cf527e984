package dev.webrepl.transport.client;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** STAT (PROTOCOL.md §4): {@code WB} + status; on 0 one entry, whose length its own header gives. */
final class StatRequest extends FileExchange<DirectoryEntry> {
    /** kind, size, mtime, then the u16 name length (PROTOCOL.md §4). */
    private static final int NAME_LENGTH_AT = 1 + 8 + 8;
    private static final int FIXED = NAME_LENGTH_AT + 2;

    private enum State { AWAIT_STATUS, AWAIT_ENTRY }

    private State state = State.AWAIT_STATUS;

    /** @throws IllegalArgumentException if the name is too long for the protocol; nothing is queued then */
    StatRequest(String name, CompletableFuture<DirectoryEntry> result) {
        super("stat " + name, WireRequest.of(FileRequest.STAT, 0, 0, 0, name), result);
    }

    @Override
    public void onReply(ByteBuf in) {
        switch (state) {
            case AWAIT_STATUS -> {
                if (ok(in)) {
                    state = State.AWAIT_ENTRY;
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
                succeed(entries.get(0));
            }
        }
    }
}
