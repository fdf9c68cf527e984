package dev.webrepl.transport.client;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/**
 * A request answered by one {@code WB} + status and nothing else: DELETE, MKDIR, RENAME (PROTOCOL.md §5),
 * RESIZE (§7), FLOW (§9).
 */
final class StatusRequest implements FileOperation {
    private final String what;
    private final WireRequest request;
    private final CompletableFuture<Void> result;
    private FileLink link;

    /** @param what the operation as an error message names it, e.g. {@code "delete /a.txt"} */
    StatusRequest(String what, WireRequest request, CompletableFuture<Void> result) {
        this.what = what;
        this.request = request;
        this.result = result;
    }

    @Override
    public void start(FileLink link) {
        this.link = link;
        request.send(link);
    }

    @Override
    public void onReply(ByteBuf in) {
        int code;
        try {
            code = Replies.status(in);
        } catch (IllegalStateException e) {
            link.breakConnection(e);   // not a status reply: the file channel is out of step
            return;
        }
        if (code == Replies.INCOMPLETE) {
            return;
        }
        link.finished(this);
        if (code == 0) {
            result.complete(null);
        } else {
            result.completeExceptionally(new FileTransferException(what, code));
        }
    }

    @Override
    public void abort(Throwable cause) {
        result.completeExceptionally(cause);
    }
}
