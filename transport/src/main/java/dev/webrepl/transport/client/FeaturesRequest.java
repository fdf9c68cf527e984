package dev.webrepl.transport.client;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * FEATURES (PROTOCOL.md §3): {@code WB 00 00}, then one frame of space-separated names. A server
 * without extensions answers {@code WB} + 22, which means none.
 *
 * <p>The list has no length of its own: it is the whole next frame. The handler calls
 * {@link #onReply} once for every frame, an empty one too, so after the status the next call
 * carries exactly that frame (or the rest of the status's frame, should a server send both in one).
 */
final class FeaturesRequest extends FileExchange<Set<String>> {
    private enum State { AWAIT_STATUS, AWAIT_LIST }

    private State state = State.AWAIT_STATUS;

    FeaturesRequest(CompletableFuture<Set<String>> result) {
        super("features", WireRequest.of(FileRequest.FEATURES, 0, 0, 0, ""), result);
    }

    @Override
    public void onReply(ByteBuf in) {
        switch (state) {
            case AWAIT_STATUS -> {
                int code = Replies.status(in);
                if (code == FileStatus.INVALID_REQUEST.code()) {
                    succeed(Set.of());
                } else if (ok(code)) {
                    state = State.AWAIT_LIST;
                }
            }
            case AWAIT_LIST -> {
                String list = in.readCharSequence(in.readableBytes(), StandardCharsets.UTF_8).toString();
                succeed(list.isEmpty() ? Set.of()
                        : Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(list.split(" ")))));
            }
        }
    }
}
