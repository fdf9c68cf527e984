package dev.webrepl.transport.client;

import dev.webrepl.core.files.FileStatus;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link FileOperation} answered with {@code WB} statuses (spec §4.2) that completes one future:
 * how such a request is sent, how a status is read and how the operation ends, so that each
 * subclass states only its own replies.
 *
 * <p>Once it has ended, the handler calls it no more ({@link FileLink#finished} makes the next
 * operation current; {@link #abort} comes after it stopped being current), so the subclasses' states
 * need no terminal one.
 */
abstract sealed class FileExchange<T> implements FileOperation
        permits GetTransfer, PutTransfer, ListTransfer, StatRequest, FeaturesRequest, StatusRequest,
        SessionsTransfer, ShareRequest {
    /** The operation as error messages name it, e.g. {@code "get /main.py"}. */
    private final String what;
    /** Built (and its names checked) before the operation was queued; null: {@link #prepare} builds it. */
    private final WireRequest request;
    private final CompletableFuture<T> result;
    private FileLink link;

    /** An operation whose request is known up front. */
    FileExchange(String what, WireRequest request, CompletableFuture<T> result) {
        this.what = what;
        this.request = request;
        this.result = result;
    }

    /** An operation that builds its request at its turn, in {@link #prepare}. */
    FileExchange(String what, CompletableFuture<T> result) {
        this(what, null, result);
    }

    @Override
    public final void start(FileLink link) {
        this.link = link;
        WireRequest toSend;
        try {
            toSend = prepare();
        } catch (IOException | RuntimeException e) {
            fail(e);
            return;
        }
        send(toSend, link);
    }

    /**
     * The request to send; GET and PUT open their local file here, so that a local problem fails the
     * operation before any byte is sent.
     */
    WireRequest prepare() throws IOException {
        return request;
    }

    /** Puts the request on the wire and flushes. */
    void send(WireRequest request, FileLink link) {
        request.send(link);
    }

    final FileLink link() {
        return link;
    }

    final String what() {
        return what;
    }

    /** Reads a {@code WB} status from {@code in}: see {@link #ok(int)}. */
    final boolean ok(ByteBuf in) {
        return ok(Replies.status(in));
    }

    /**
     * Whether {@code code} (a status or {@link Replies#INCOMPLETE}) is 0. Any other status fails the
     * operation with a {@link FileTransferException} first.
     */
    final boolean ok(int code) {
        if (code == Replies.INCOMPLETE) {
            return false;
        }
        if (code != FileStatus.OK.code()) {
            fail(new FileTransferException(what, code));
            return false;
        }
        return true;
    }

    /** Ends with {@code value}; the next operation may start. */
    final void succeed(T value) {
        release();
        link.finished(this);
        result.complete(value);
    }

    /** Ends with {@code cause}, the connection still in step; the next operation may start. */
    final void fail(Throwable cause) {
        release();
        link.finished(this);
        result.completeExceptionally(cause);
    }

    @Override
    public final void abort(Throwable cause) {
        release();
        result.completeExceptionally(cause);
    }

    /** Lets go of local resources (an open file); called once, however the operation ends. */
    void release() {
    }
}
