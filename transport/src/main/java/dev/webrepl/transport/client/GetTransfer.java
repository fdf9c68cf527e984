package dev.webrepl.transport.client;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

/**
 * GET (spec §4.4): header, {@code WB}, then one ack byte per {@code <u16 LE n><n bytes>} chunk until
 * n = 0, then the final {@code WB} without another ack.
 *
 * <p>Bytes go to a temporary file beside the target that is renamed over it only after the final
 * {@code WB 00 00}; on any failure it is deleted, so no partial local file is left. A local write
 * error does not stop the exchange: the remaining chunks are read and dropped so that the
 * connection stays in step, and the error is reported at the end.
 */
final class GetTransfer implements FileOperation {
    /** webrepl_cli acks with one zero byte; the reference accepts any value (spec §4.4 step 3). */
    private static final byte[] ACK = {0};

    private enum State { AWAIT_ACCEPT, AWAIT_LENGTH, CHUNK, AWAIT_RESULT, DONE }

    private final String remoteName;
    private final Path target;
    private final TransferProgress progress;
    private final CompletableFuture<Long> result;
    private FileLink link;
    private Path temp;
    private FileChannel file;
    private IOException localError;
    private State state = State.AWAIT_ACCEPT;
    private int chunkLeft;
    private long received;

    GetTransfer(String remoteName, Path target, TransferProgress progress, CompletableFuture<Long> result) {
        this.remoteName = remoteName;
        this.target = target.toAbsolutePath();
        this.progress = progress;
        this.result = result;
    }

    @Override
    public void start(FileLink link) {
        this.link = link;
        byte[] header;
        try {
            header = FileRequest.of(FileRequest.GET_FILE, 0, remoteName).encode();
            // Created before asking, so that a local problem fails the GET before any byte is sent.
            temp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
            file = FileChannel.open(temp, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            fail(e);
            return;
        }
        link.writeBinary(Unpooled.wrappedBuffer(header));
        link.channel().flush();
    }

    @Override
    public void onReply(ByteBuf in) {
        while (in.isReadable() && state != State.DONE) {
            switch (state) {
                case AWAIT_ACCEPT -> {
                    int code = Replies.status(in);
                    if (code == Replies.INCOMPLETE) {
                        return;
                    }
                    if (code != FileStatus.OK.code()) {
                        fail(new FileTransferException("get " + remoteName, code));
                        return;
                    }
                    state = State.AWAIT_LENGTH;
                    ack();
                }
                case AWAIT_LENGTH -> {
                    if (in.readableBytes() < 2) {
                        return;
                    }
                    chunkLeft = in.readUnsignedShortLE();
                    state = chunkLeft == 0 ? State.AWAIT_RESULT : State.CHUNK;
                }
                case CHUNK -> {
                    int n = Math.min(chunkLeft, in.readableBytes());
                    write(in, n);
                    chunkLeft -= n;
                    if (chunkLeft == 0) {
                        state = State.AWAIT_LENGTH;
                        ack();
                    }
                }
                case AWAIT_RESULT -> {
                    int code = Replies.status(in);
                    if (code == Replies.INCOMPLETE) {
                        return;
                    }
                    finish(code);
                }
                case DONE -> {
                    return;
                }
            }
        }
    }

    private void ack() {
        link.writeBinary(Unpooled.wrappedBuffer(ACK));
        link.channel().flush();
    }

    private void write(ByteBuf in, int n) {
        int left = n;
        if (localError == null) {
            try {
                while (left > 0) {
                    int written = in.readBytes(file, received, left);
                    received += written;
                    left -= written;
                }
                progress.update(received, TransferProgress.UNKNOWN_TOTAL);
            } catch (IOException e) {
                localError = e;
            }
        }
        in.skipBytes(left);
    }

    private void finish(int code) {
        if (code != FileStatus.OK.code()) {
            fail(new FileTransferException("get " + remoteName, code));
            return;
        }
        if (localError != null) {
            fail(localError);
            return;
        }
        try {
            file.force(false);
            file.close();
            file = null;
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            fail(e);
            return;
        }
        state = State.DONE;
        progress.update(received, received);
        link.finished(this);
        result.complete(received);
    }

    private void fail(Throwable cause) {
        cleanUp();
        if (link != null) {
            link.finished(this);
        }
        result.completeExceptionally(cause);
    }

    @Override
    public void abort(Throwable cause) {
        cleanUp();
        result.completeExceptionally(cause);
    }

    private void cleanUp() {
        state = State.DONE;
        try {
            if (file != null) {
                file.close();
                file = null;
            }
        } catch (IOException ignored) {
            // the temporary file is deleted next; its contents do not matter
        }
        try {
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
        } catch (IOException ignored) {
            // a uniquely named hidden .part file is all that can remain
        }
    }
}
