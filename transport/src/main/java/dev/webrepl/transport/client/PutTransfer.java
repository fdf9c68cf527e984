package dev.webrepl.transport.client;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

/**
 * PUT (spec §4.3): header, first {@code WB}, exactly {@code size} data bytes, final {@code WB}. A
 * resumable PUT (PROTOCOL.md §6) reads the server's 8-byte {@code have} frame after the first
 * {@code WB} and sends the file from that byte on.
 *
 * <p>Data is read from the file one frame at a time and written only while the channel is writable,
 * so at most Netty's high-water mark (plus one frame) is queued, whatever the file size.
 */
final class PutTransfer implements FileOperation {
    /** The size field is a u32 (spec §4.1). */
    static final long MAX_SIZE = 0xFFFF_FFFFL;
    /** webrepl_cli sends the header as two writes, {@code rec[:10]} and {@code rec[10:]} (spec §4.8). */
    static final int LEGACY_HEADER_SPLIT = 10;

    /** The {@code have} frame: a u64 LE (PROTOCOL.md §6). */
    private static final int HAVE_LENGTH = 8;

    private enum State { AWAIT_ACCEPT, AWAIT_HAVE, SENDING, AWAIT_RESULT, DONE }

    private final Path local;
    private final String remoteName;
    private final boolean resumable;
    private final TransferProgress progress;
    private final CompletableFuture<Long> result;
    private FileLink link;
    private FileChannel file;
    private long size;
    private long position;
    private long sent;
    private State state = State.AWAIT_ACCEPT;

    PutTransfer(Path local, String remoteName, boolean resumable, TransferProgress progress,
            CompletableFuture<Long> result) {
        this.local = local;
        this.remoteName = remoteName;
        this.resumable = resumable;
        this.progress = progress;
        this.result = result;
    }

    @Override
    public void start(FileLink link) {
        this.link = link;
        WireRequest request;
        try {
            file = FileChannel.open(local, StandardOpenOption.READ);
            size = file.size();
            if (size > MAX_SIZE) {
                throw new IOException(local + " is " + size + " bytes; the protocol allows " + MAX_SIZE);
            }
            request = WireRequest.of(FileRequest.PUT_FILE, resumable ? FileRequest.FLAG_RESUMABLE : 0, 0, size,
                    remoteName);
        } catch (IOException | RuntimeException e) {
            fail(e);
            return;
        }
        byte[] header = request.record();
        if (link.mode() == WireMode.LEGACY) {
            link.writeBinary(Unpooled.wrappedBuffer(header, 0, LEGACY_HEADER_SPLIT));
            link.writeBinary(Unpooled.wrappedBuffer(header, LEGACY_HEADER_SPLIT, header.length - LEGACY_HEADER_SPLIT));
        } else {
            link.writeBinary(Unpooled.wrappedBuffer(header));
        }
        request.writeTrailers(link);
        link.channel().flush();
    }

    @Override
    public void onReply(ByteBuf in) {
        // While sending, the server has nothing to say yet (it replies after the N-th byte); a reply
        // waits in the buffer until the data is out.
        if (state == State.SENDING || state == State.DONE) {
            return;
        }
        if (state == State.AWAIT_HAVE) {
            readHave(in);
            return;
        }
        int code = Replies.status(in);
        if (code == Replies.INCOMPLETE) {
            return;
        }
        if (code != FileStatus.OK.code()) {
            fail(new FileTransferException("put " + remoteName, code));
            return;
        }
        if (state == State.AWAIT_ACCEPT && resumable) {
            state = State.AWAIT_HAVE;
        } else if (state == State.AWAIT_ACCEPT) {
            state = State.SENDING;
            sendData();
        } else {
            finish();
        }
    }

    private void readHave(ByteBuf in) {
        if (in.readableBytes() < HAVE_LENGTH) {
            return;
        }
        long have = in.readLongLE();
        if (have < 0 || have > size) {
            // The server would wait for a negative number of bytes: nothing sensible can follow.
            throw new IllegalStateException("the server holds " + Long.toUnsignedString(have) + " bytes of a "
                    + size + "-byte upload");
        }
        position = have;
        sent = have;
        progress.update(have, size);
        state = State.SENDING;
        sendData();
    }

    @Override
    public void onWritable() {
        if (state == State.SENDING) {
            sendData();
        }
    }

    private void sendData() {
        var channel = link.channel();
        try {
            while (position < size && channel.isWritable()) {
                int n = (int) Math.min(link.putFrameSize(), size - position);
                ByteBuf buf = channel.alloc().buffer(n);
                try {
                    while (buf.writerIndex() < n) {
                        int read = buf.writeBytes(file, position + buf.writerIndex(), n - buf.writerIndex());
                        if (read < 0) {
                            throw new IOException(local + " shrank while it was being sent");
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    buf.release();
                    throw e;
                }
                position += n;
                link.writeBinary(buf).addListener(f -> {
                    if (f.isSuccess()) {
                        sent += n;
                        progress.update(sent, size);
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            // The server still expects the rest of the announced bytes: the stream cannot recover.
            link.breakConnection(e);
            return;
        }
        channel.flush();
        if (position == size) {
            state = State.AWAIT_RESULT;
            if (size == 0) {
                progress.update(0, 0);
            }
        }
    }

    private void finish() {
        state = State.DONE;
        closeFile();
        link.finished(this);
        result.complete(size);
    }

    private void fail(Throwable cause) {
        state = State.DONE;
        closeFile();
        if (link != null) {
            link.finished(this);
        }
        result.completeExceptionally(cause);
    }

    @Override
    public void abort(Throwable cause) {
        state = State.DONE;
        closeFile();
        result.completeExceptionally(cause);
    }

    private void closeFile() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // read-only: nothing to lose
            }
            file = null;
        }
    }
}
