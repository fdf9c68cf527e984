package dev.webrepl.transport.client;

import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

/**
 * GET (spec §4.4): header, {@code WB}, then the chunks ({@link ChunkedReply}) and the final {@code WB}.
 *
 * <p>A plain GET writes to a temporary file beside the target that is renamed over it only after the
 * final {@code WB 00 00}; on any failure it is deleted, so no partial local file is left. A resumed
 * GET appends to a partial file from its current length, asking the server for that offset
 * (PROTOCOL.md §6); what arrived stays in the partial whatever happens. A local write error does not
 * stop the exchange: the remaining chunks are read and dropped so that the connection stays in step,
 * and the error is reported at the end.
 */
final class GetTransfer extends FileExchange<Long> {
    private final String remoteName;
    private final Path target;
    /** True: {@link #target} is a partial to continue; false: it is replaced through a temporary file. */
    private final boolean resume;
    private final TransferProgress progress;
    private final ChunkedReply chunks;
    private Path temp;
    private FileChannel file;
    private IOException localError;
    private long offset;
    private long received;

    private GetTransfer(String remoteName, Path target, boolean resume, TransferProgress progress,
            CompletableFuture<Long> result) {
        super("get " + remoteName, result);
        this.remoteName = remoteName;
        this.target = target.toAbsolutePath();
        this.resume = resume;
        this.progress = progress;
        this.chunks = new ChunkedReply(() -> progress.update(offset, TransferProgress.UNKNOWN_TOTAL), this::write);
    }

    /** Downloads into {@code target}, replaced only on success; completes with the byte count. */
    static GetTransfer replacing(String remoteName, Path target, TransferProgress progress, CompletableFuture<Long> result) {
        return new GetTransfer(remoteName, target, false, progress, result);
    }

    /** Appends to {@code partial} from its length on; completes with the partial's final length. */
    static GetTransfer resuming(String remoteName, Path partial, TransferProgress progress, CompletableFuture<Long> result) {
        return new GetTransfer(remoteName, partial, true, progress, result);
    }

    @Override
    WireRequest prepare() throws IOException {
        // Opened before asking, so that a local problem fails the GET before any byte is sent.
        if (resume) {
            file = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
            offset = file.size();
        } else {
            temp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
            file = FileChannel.open(temp, StandardOpenOption.WRITE);
        }
        return WireRequest.of(FileRequest.GET_FILE, 0, offset, 0, remoteName);
    }

    @Override
    public void onReply(ByteBuf in) {
        if (ok(chunks.read(in, link()))) {
            finish();
        }
    }

    private void write(ByteBuf in, int n) {
        int left = n;
        if (localError == null) {
            try {
                while (left > 0) {
                    int written = in.readBytes(file, offset + received, left);
                    received += written;
                    left -= written;
                }
                progress.update(offset + received, TransferProgress.UNKNOWN_TOTAL);
            } catch (IOException e) {
                localError = e;
            }
        }
        in.skipBytes(left);
    }

    private void finish() {
        if (localError != null) {
            fail(localError);
            return;
        }
        long length = offset + received;
        try {
            file.force(false);
            file.close();
            file = null;
            if (!resume) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                temp = null;
            }
        } catch (IOException e) {
            fail(e);
            return;
        }
        progress.update(length, length);
        succeed(resume ? length : received);
    }

    @Override
    void release() {
        try {
            if (file != null) {
                try (FileChannel f = file) {
                    file = null;
                    if (resume) {
                        // Only bytes known to be written stay: a failed write may have left some beyond them.
                        f.truncate(offset + received);
                    }
                }
            }
        } catch (IOException ignored) {
            // resume: the partial is at worst longer than counted, as after a crash; else it is deleted next
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
