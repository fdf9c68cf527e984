package dev.webrepl.transport.client;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/**
 * A request answered by one {@code WB} + status and nothing else: DELETE, MKDIR, RENAME (PROTOCOL.md §5),
 * RESIZE (§7), FLOW (§9).
 */
final class StatusRequest extends FileExchange<Void> {
    /** @param what the operation as an error message names it, e.g. {@code "delete /a.txt"} */
    StatusRequest(String what, WireRequest request, CompletableFuture<Void> result) {
        super(what, request, result);
    }

    @Override
    public void onReply(ByteBuf in) {
        boolean ok;
        try {
            ok = ok(in);
        } catch (IllegalStateException e) {
            link().breakConnection(e);   // not a status reply: the file channel is out of step
            return;
        }
        if (ok) {
            succeed(null);
        }
    }
}
