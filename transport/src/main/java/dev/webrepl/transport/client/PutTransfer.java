package dev.webrepl.transport.client;

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
final class PutTransfer extends FileExchange<Long> {
    /** The size field is a u32 (spec §4.1). */
    static final long MAX_SIZE = 0xFFFF_FFFFL;
    /** webrepl_cli sends the header as two writes, {@code rec[:10]} and {@code rec[10:]} (spec §4.8). */
    static final int LEGACY_HEADER_SPLIT = 10;

    /** The {@code have} frame: a u64 LE (PROTOCOL.md §6). */
    private static final int HAVE_LENGTH = 8;

    private enum State { AWAIT_ACCEPT, AWAIT_HAVE, SENDING, AWAIT_RESULT }

    private final Path local;
    private final String remoteName;
    private final boolean resumable;
    private final TransferProgress progress;
    private FileChannel file;
    private long size;
    private long position;
    private long sent;
    private State state = State.AWAIT_ACCEPT;

    PutTransfer(Path local, String remoteName, boolean resumable, TransferProgress progress,
            CompletableFuture<Long> result) {
        super("put " + remoteName, result);
        this.local = local;
        this.remoteName = remoteName;
        this.resumable = resumable;
        this.progress = progress;
    }

    @Override
    WireRequest prepare() throws IOException {
        file = FileChannel.open(local, StandardOpenOption.READ);
        size = file.size();
        if (size > MAX_SIZE) {
            throw new IOException(local + " is " + size + " bytes; the protocol allows " + MAX_SIZE);
        }
        return WireRequest.of(FileRequest.PUT_FILE, resumable ? FileRequest.FLAG_RESUMABLE : 0, 0, size, remoteName);
    }

    @Override
    void send(WireRequest request, FileLink link) {
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
        switch (state) {
            case AWAIT_ACCEPT -> {
                if (!ok(in)) {
                    return;
                }
                if (resumable) {
                    state = State.AWAIT_HAVE;
                } else {
                    state = State.SENDING;
                    sendData();
                }
            }
            case AWAIT_HAVE -> readHave(in);
            case SENDING -> {
                // The server has nothing to say yet (it replies after the N-th byte); a reply waits
                // in the buffer until the data is out.
            }
            case AWAIT_RESULT -> {
                if (ok(in)) {
                    succeed(size);
                }
            }
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
        FileLink link = link();
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

    @Override
    void release() {
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
