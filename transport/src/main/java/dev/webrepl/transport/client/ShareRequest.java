package dev.webrepl.transport.client;

import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * SHARE (PROTOCOL.md §11) operations that answer {@code WB} + 0 and then one frame: a new share's
 * token, or the list of shares (one {@code TOKEN MODE} line each, possibly none). Like FEATURES, the
 * frame has no length of its own: it is the whole next frame.
 */
final class ShareRequest extends FileExchange<String> {
    private enum State { AWAIT_STATUS, AWAIT_FRAME }

    private State state = State.AWAIT_STATUS;

    /** @throws IllegalArgumentException if the session id is too long for the protocol; nothing is queued then */
    ShareRequest(String what, int operation, String sessionId, CompletableFuture<String> result) {
        super(what, WireRequest.of(FileRequest.SHARE, 0, 0, operation, sessionId), result);
    }

    @Override
    public void onReply(ByteBuf in) {
        switch (state) {
            case AWAIT_STATUS -> {
                if (ok(in)) {
                    state = State.AWAIT_FRAME;
                }
            }
            case AWAIT_FRAME -> succeed(in.readCharSequence(in.readableBytes(), StandardCharsets.US_ASCII).toString());
        }
    }
}
