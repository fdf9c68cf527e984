package dev.webrepl.transport.client;

import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.CompletableFuture;

/** RESIZE, our extension (PROTOCOL.md §7): the terminal's size, answered with a status. */
final class ResizeRequest implements FileOperation {
    private final int columns;
    private final int rows;
    private final CompletableFuture<Void> result;
    private FileLink link;

    ResizeRequest(int columns, int rows, CompletableFuture<Void> result) {
        this.columns = columns;
        this.rows = rows;
        this.result = result;
    }

    @Override
    public void start(FileLink link) {
        this.link = link;
        link.writeBinary(Unpooled.wrappedBuffer(FileRequest.resize(columns, rows).encode()));
        link.channel().flush();
    }

    @Override
    public void onReply(ByteBuf in) {
        int code;
        try {
            code = Replies.status(in);
        } catch (IllegalStateException e) {
            link.breakConnection(e);
            return;
        }
        if (code == Replies.INCOMPLETE) {
            return;
        }
        link.finished(this);
        if (code == 0) {
            result.complete(null);
        } else {
            result.completeExceptionally(new FileTransferException("resize " + columns + "x" + rows, code));
        }
    }

    @Override
    public void abort(Throwable cause) {
        result.completeExceptionally(cause);
    }
}
