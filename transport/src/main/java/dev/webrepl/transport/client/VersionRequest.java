package dev.webrepl.transport.client;

import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.CompletableFuture;

/** GET_VER: the 82-byte record with type 3, answered by three bare bytes (spec §4.5). */
final class VersionRequest implements FileOperation {
    private final CompletableFuture<byte[]> result;
    private FileLink link;

    VersionRequest(CompletableFuture<byte[]> result) {
        this.result = result;
    }

    @Override
    public void start(FileLink link) {
        this.link = link;
        link.writeBinary(Unpooled.wrappedBuffer(FileRequest.of(FileRequest.GET_VER, 0, "").encode()));
        link.channel().flush();
    }

    @Override
    public void onReply(ByteBuf in) {
        if (in.readableBytes() < 3) {
            return;
        }
        byte[] version = new byte[3];
        in.readBytes(version);
        link.finished(this);
        result.complete(version);
    }

    @Override
    public void abort(Throwable cause) {
        result.completeExceptionally(cause);
    }
}
