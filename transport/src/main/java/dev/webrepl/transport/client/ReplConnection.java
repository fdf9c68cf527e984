package dev.webrepl.transport.client;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.core.protocol.FileRequest;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;

/**
 * One WebREPL connection, made by {@link WebReplClient#connect}. Thread-safe: every method may be
 * called from any thread; futures complete on the connection's event loop, so callbacks attached to
 * them must not block (use the {@code ...Async} variants of {@link CompletableFuture} for that).
 *
 * <p>File requests ({@link #version()}, {@link #put}, {@link #get}, {@link #list}, ...) share the one
 * file channel and run one after another in call order, once {@link #login} has sent the password.
 * Terminal input and output flow alongside them (spec §3).
 *
 * <p>Names are UTF-8 paths from the server's file root. One of at most 63 bytes goes in the
 * request's name field as legacy clients send it; a longer one (up to 4096 bytes) is sent with the
 * {@code LONG_NAME} extension (PROTOCOL.md §2), which only servers listing {@code long-name} in
 * {@link #features()} understand. The extensions ({@link #features()}, {@link #stat}, {@link #list},
 * {@link #delete}, {@link #mkdir}, {@link #rename}, {@link #resumePut}, {@link #resumeGet}, {@link #sessions}) must
 * not be sent to MicroPython's reference server: an unknown request ends its file channel.
 */
public final class ReplConnection implements AutoCloseable {
    /** The largest frame payload a 16-bit length carries; webrepl_cli cannot parse more (spec §1.2). */
    public static final int MAX_FRAME_PAYLOAD = 65535;

    private final Channel channel;
    private final ClientHandler handler;
    private final WireMode mode;

    ReplConnection(Channel channel, ClientHandler handler, WireMode mode) {
        this.channel = channel;
        this.handler = handler;
        this.mode = mode;
    }

    /**
     * Waits for the {@code Password: } prompt, sends {@code password + "\r"}, and completes when the
     * server says {@code WebREPL connected}. Fails with {@link LoginFailedException} on
     * {@code Access denied}, with {@link ConnectionLostException} if the connection ends first.
     * Call once. In {@link WireMode#LEGACY} a GET_VER follows the password at once, as in webrepl_cli.
     */
    public CompletableFuture<Void> login(String password) {
        byte[] bytes = password.getBytes(StandardCharsets.UTF_8);
        return onLoop(result -> handler.login(bytes).whenComplete((v, e) -> {
            if (e == null) {
                result.complete(null);
            } else {
                result.completeExceptionally(e);
            }
        }));
    }

    /**
     * Sends terminal input as text frames of at most {@value #MAX_FRAME_PAYLOAD} bytes. The bytes are
     * sent as they are, not checked for UTF-8 (spec §1.4 item 4). Before {@link #login} completes the
     * server reads them as the password.
     */
    public CompletableFuture<Void> send(byte[] input) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (input.length == 0) {
            result.complete(null);
            return result;
        }
        byte[] copy = input.clone();  // the caller may reuse its array before the write happens
        ChannelFuture last = null;
        for (int off = 0; off < input.length; off += MAX_FRAME_PAYLOAD) {
            int n = Math.min(MAX_FRAME_PAYLOAD, input.length - off);
            last = channel.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(copy, off, n)));
        }
        channel.flush();
        last.addListener(f -> {
            if (f.isSuccess()) {
                result.complete(null);
            } else {
                result.completeExceptionally(new ConnectionLostException("cannot send to " + remoteAddress(), f.cause()));
            }
        });
        return result;
    }

    /** Sends {@code input} in UTF-8; see {@link #send(byte[])}. */
    public CompletableFuture<Void> send(String input) {
        return send(input.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Terminal output: the payload of every text frame from the login answer on ({@code \r\nWebREPL
     * connected\r\n>>> }), in order; completes when the connection closes. One subscriber only;
     * output that arrives before it subscribes is kept for it (unbounded), so subscribe early if the
     * server talks a lot.
     */
    public Flux<byte[]> output() {
        return handler.output();
    }

    /** GET_VER (spec §4.5): the server's three version bytes, major, minor, micro. */
    public CompletableFuture<byte[]> version() {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        submit(new VersionRequest(result), result);
        return result;
    }

    /**
     * Tells the server the terminal is {@code columns} x {@code rows} (an extension of the file channel,
     * PROTOCOL.md §7); fails with {@link FileTransferException} if refused (a viewer: 13;
     * a server without the extension: 22).
     */
    public CompletableFuture<Void> resize(int columns, int rows) {
        FileRequest request = FileRequest.resize(columns, rows);  // checks the range before anything is sent
        CompletableFuture<Void> result = new CompletableFuture<>();
        submit(new StatusRequest("resize " + columns + "x" + rows, WireRequest.of(request),
                result), result);
        return result;
    }

    /**
     * Output acknowledgements (PROTOCOL.md §9): from the server's reply on, it sends at most about
     * {@code window} bytes of terminal output (text-frame payload) that {@link #ack} has not
     * acknowledged; the rest waits on the server, where it pauses a program in a pty or, past the
     * session's output cap, gets this terminal closed as a slow consumer. {@code window} 1 to 16 MiB;
     * 0 turns acknowledgements off. Fails with {@link FileTransferException} 22 for a larger window or
     * from a server without the extension ({@code flow} missing from {@link #features()}).
     *
     * <p>The application acknowledges explicitly, as it consumes {@link #output()}: call
     * {@code ack(n)} after handling {@code n} payload bytes, in batches (e.g. every 16 KiB). FLOW
     * and ACK take their turn on the file channel like every request, so while a PUT or GET runs
     * no ACK reaches the server: use a window larger than the output expected meanwhile, or turn
     * acknowledgements off around long transfers.
     */
    public CompletableFuture<Void> flow(int window) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            submit(new StatusRequest("flow " + window,
                    WireRequest.of(FileRequest.flow(window)), result), result);
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /**
     * Acknowledges {@code bytes} more bytes of terminal output as consumed (PROTOCOL.md §9); the
     * server sends no reply. Completes when the ACK is written. Acknowledging more than is
     * outstanding is harmless (it counts as everything), and so is an ACK while acknowledgements are off.
     */
    public CompletableFuture<Void> ack(long bytes) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (bytes < 0) {
            result.completeExceptionally(new IllegalArgumentException("cannot acknowledge " + bytes + " bytes"));
            return result;
        }
        if (bytes == 0) {
            result.complete(null);
            return result;
        }
        submit(new AckRequest(bytes, result), result);
        return result;
    }

    /**
     * Uploads {@code local} as {@code remoteName}, streaming it in frames of the client's PUT frame
     * size. Completes with the byte count; fails with {@link FileTransferException} on a non-zero
     * status, {@link java.nio.file.NoSuchFileException} if {@code local} is missing (nothing is sent
     * then).
     */
    public CompletableFuture<Long> put(Path local, String remoteName, TransferProgress progress) {
        return put(local, remoteName, false, progress);
    }

    /**
     * A resumable upload (PROTOCOL.md §6): the server keeps what arrived of an interrupted upload of
     * this name and size, and this call sends only the rest. Progress starts at the bytes the server
     * already had. Completes with the file's size; fails as {@link #put} does.
     */
    public CompletableFuture<Long> resumePut(Path local, String remoteName, TransferProgress progress) {
        return put(local, remoteName, true, progress);
    }

    private CompletableFuture<Long> put(Path local, String remoteName, boolean resumable, TransferProgress progress) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        submit(new PutTransfer(Objects.requireNonNull(local), Objects.requireNonNull(remoteName), resumable,
                Objects.requireNonNull(progress), result), result);
        return result;
    }

    /**
     * Downloads {@code remoteName} to {@code local} through a temporary file beside it, renamed into
     * place only when the server reports success. Completes with the byte count; fails with
     * {@link FileTransferException} on a non-zero status, leaving {@code local} untouched.
     */
    public CompletableFuture<Long> get(String remoteName, Path local, TransferProgress progress) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        submit(GetTransfer.replacing(Objects.requireNonNull(remoteName), Objects.requireNonNull(local),
                Objects.requireNonNull(progress), result), result);
        return result;
    }

    /**
     * Continues a download into {@code partial} (created if missing): asks for {@code remoteName}
     * from byte {@code partial}'s length on (GET at an offset, PROTOCOL.md §6) and appends. What
     * arrived stays in {@code partial} whatever happens, so a later call continues from there; the
     * caller moves it into place. Completes with the partial's length once the server reports
     * success; fails with {@link FileTransferException} on a non-zero status (22: the partial is
     * longer than the remote file).
     */
    public CompletableFuture<Long> resumeGet(String remoteName, Path partial, TransferProgress progress) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        submit(GetTransfer.resuming(Objects.requireNonNull(remoteName), Objects.requireNonNull(partial),
                Objects.requireNonNull(progress), result), result);
        return result;
    }

    /**
     * FEATURES (PROTOCOL.md §3): the extensions the server names, in its order; empty from a server
     * without extensions (it answers 22).
     */
    public CompletableFuture<Set<String>> features() {
        CompletableFuture<Set<String>> result = new CompletableFuture<>();
        submit(new FeaturesRequest(result), result);
        return result;
    }

    /** STAT (PROTOCOL.md §4): the entry for {@code name}, a link described as itself. */
    public CompletableFuture<DirectoryEntry> stat(String name) {
        CompletableFuture<DirectoryEntry> result = new CompletableFuture<>();
        try {
            submit(new StatRequest(name, result), result);
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /**
     * LIST (PROTOCOL.md §4): the entries of {@code directory} ({@code /} for the root), sorted by
     * name as the server sends them. Fails with status 20 for a file.
     */
    public CompletableFuture<List<DirectoryEntry>> list(String directory) {
        CompletableFuture<List<DirectoryEntry>> result = new CompletableFuture<>();
        try {
            submit(new ListTransfer(directory, result), result);
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /**
     * SESSIONS (PROTOCOL.md §10): the sessions this login may attach to, oldest first, its own marked
     * {@link ListedSession#current()}. Fails with status 13 on a view-only terminal and 22 from a
     * server without the extension ({@code sessions} missing from {@link #features()}).
     */
    public CompletableFuture<List<ListedSession>> sessions() {
        CompletableFuture<List<ListedSession>> result = new CompletableFuture<>();
        submit(new SessionsTransfer(result), result);
        return result;
    }

    /**
     * DELETE (PROTOCOL.md §5): removes a file, a link or an empty directory (39 if it is not empty,
     * 2 if missing).
     */
    public CompletableFuture<Void> delete(String name) {
        return statusRequest("delete " + name, () -> WireRequest.of(FileRequest.DELETE, 0, 0, 0, name));
    }

    /** MKDIR (PROTOCOL.md §5): creates the directory and its missing parents; succeeds if it exists. */
    public CompletableFuture<Void> mkdir(String name) {
        return statusRequest("mkdir " + name, () -> WireRequest.of(FileRequest.MKDIR, 0, 0, 0, name));
    }

    /**
     * RENAME (PROTOCOL.md §5): moves {@code from} to {@code to} atomically, replacing a file there
     * (17 if {@code to} is a directory).
     */
    public CompletableFuture<Void> rename(String from, String to) {
        return statusRequest("rename " + from + " to " + to, () -> WireRequest.rename(from, to));
    }

    /**
     * SHARE (PROTOCOL.md §11, README "Users"): a new share of session {@code sessionId} ({@code ""}:
     * this connection's session), view-only if {@code view}; completes with its token. Only the
     * session's owner or an admin may: anyone else gets status 2, as for no such session.
     */
    public CompletableFuture<String> share(String sessionId, boolean view) {
        return shareRequest("share " + sessionId, view ? FileRequest.SHARE_VIEW : FileRequest.SHARE_READ_WRITE,
                sessionId);
    }

    /** SHARE list: the shares of session {@code sessionId}, one {@code TOKEN rw|view} line each. */
    public CompletableFuture<List<String>> shares(String sessionId) {
        return shareRequest("list shares of " + sessionId, FileRequest.SHARE_LIST, sessionId)
                .thenApply(text -> text.isEmpty() ? List.of() : List.of(text.split("\n")));
    }

    /** SHARE revoke: the terminals that came through {@code token} are closed (status 2: no such share of yours). */
    public CompletableFuture<Void> revokeShare(String token) {
        return statusRequest("revoke share", () -> WireRequest.of(FileRequest.SHARE, 0, 0, FileRequest.SHARE_REVOKE, token));
    }

    /** SHARE end: ends session {@code sessionId} (its owner or an admin). */
    public CompletableFuture<Void> endSession(String sessionId) {
        return statusRequest("end " + sessionId,
                () -> WireRequest.of(FileRequest.SHARE, 0, 0, FileRequest.SHARE_END, sessionId));
    }

    private CompletableFuture<String> shareRequest(String what, int operation, String sessionId) {
        CompletableFuture<String> result = new CompletableFuture<>();
        try {
            submit(new ShareRequest(what, operation, sessionId, result), result);
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private CompletableFuture<Void> statusRequest(String what, Supplier<WireRequest> request) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            submit(new StatusRequest(what, request.get(), result), result);
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(e);  // a name too long: nothing is sent
        }
        return result;
    }

    /** The wire mode of this connection. */
    public WireMode mode() {
        return mode;
    }

    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) channel.remoteAddress();
    }

    /** This end of the connection: the source address and port. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /**
     * The close frame the server ended the connection with (status code and reason), if it did; known
     * once {@link #onClose()} has completed.
     */
    public Optional<ServerClose> serverClose() {
        return Optional.ofNullable(handler.serverClose);
    }

    /** Completes when the connection has closed, for whatever reason. */
    public CompletableFuture<Void> onClose() {
        return handler.closed.thenApply(v -> null);
    }

    /**
     * Closes the connection: in {@link WireMode#STANDARD} with a close frame first, in
     * {@link WireMode#LEGACY} with a plain TCP close as webrepl_cli does (spec §1.2). Pending
     * operations fail with {@link ConnectionLostException}. Does not wait; see {@link #onClose()}.
     */
    @Override
    public void close() {
        channel.close();
    }

    private void submit(FileOperation op, CompletableFuture<?> result) {
        try {
            channel.eventLoop().execute(() -> handler.submit(op));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new ConnectionLostException("the client is closed", e));
        }
    }

    private <T> CompletableFuture<T> onLoop(Consumer<CompletableFuture<T>> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            channel.eventLoop().execute(() -> action.accept(result));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new ConnectionLostException("the client is closed", e));
        }
        return result;
    }
}
