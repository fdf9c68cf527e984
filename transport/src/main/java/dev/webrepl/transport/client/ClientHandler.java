package dev.webrepl.transport.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The client side of one connection after the HTTP codec and Netty's WebSocket protocol handler
 * (which answers pings and closes on a close frame). Text frames are terminal output, binary frames
 * are file-channel replies (spec §3); the password stage comes first (spec §2).
 *
 * <p>Everything here runs on the channel's event loop; {@link ReplConnection} hops onto it.
 */
final class ClientHandler extends SimpleChannelInboundHandler<WebSocketFrame> implements FileLink {
    private static final Logger LOG = LoggerFactory.getLogger(ClientHandler.class);
    static final String PROMPT = "Password: ";
    static final String CONNECTED = "WebREPL connected";
    static final String DENIED = "Access denied";
    /** Enough for the prompt and either answer; more is never needed to decide the login. */
    private static final int LOGIN_TEXT_LIMIT = 4096;

    private enum LoginState { AWAIT_PROMPT, PROMPT_SEEN, AWAIT_RESULT, OPEN, DENIED }

    private final WireMode mode;
    private final int putFrameSize;
    private final String peer;
    final CompletableFuture<Void> handshake = new CompletableFuture<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** The server's close frame, once one came; written on the event loop, read by anyone. */
    volatile ServerClose serverClose;
    private final CompletableFuture<Void> promptSeen = new CompletableFuture<>();
    private final CompletableFuture<Void> loginResult = new CompletableFuture<>();
    /** Output waits here until its one subscriber comes; see {@link ReplConnection#output()}. */
    private final Sinks.Many<byte[]> output = Sinks.many().unicast().onBackpressureBuffer();
    private final StringBuilder loginText = new StringBuilder();
    private final ArrayDeque<FileOperation> queue = new ArrayDeque<>();
    private LoginState login = LoginState.AWAIT_PROMPT;
    private boolean loginRequested;
    private boolean lastDataWasText;
    private boolean filesReady;
    private FileOperation current;
    private ChannelHandlerContext ctx;
    private ByteBuf replies;
    private Throwable failure;

    ClientHandler(WireMode mode, int putFrameSize, String peer) {
        this.mode = mode;
        this.putFrameSize = putFrameSize;
        this.peer = peer;
    }

    Flux<byte[]> output() {
        return output.asFlux();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.replies = Unpooled.buffer();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseReplies();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            handshake.complete(null);
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            handshake.completeExceptionally(new ConnectionLostException("WebSocket handshake with " + peer + " timed out"));
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        boolean text;
        if (frame instanceof TextWebSocketFrame) {
            text = true;
        } else if (frame instanceof BinaryWebSocketFrame) {
            text = false;
        } else if (frame instanceof ContinuationWebSocketFrame) {
            text = lastDataWasText;  // a continuation has the type of the frame it continues (spec §1.3)
        } else if (frame instanceof CloseWebSocketFrame close) {
            // Kept so that whoever sees the connection end learns why (e.g. 1013 for too many terminals);
            // closing answers with our own close frame (WebSocketProtocolHandler), as Netty would.
            serverClose = new ServerClose(close.statusCode(), close.reasonText() == null ? "" : close.reasonText());
            ctx.close();
            return;
        } else {
            return;  // pong; pings are answered before us
        }
        lastDataWasText = text;
        if (text) {
            onText(ByteBufUtil.getBytes(frame.content()));
        } else {
            replies.writeBytes(frame.content());
            drainReplies();
        }
    }

    private void onText(byte[] bytes) {
        switch (login) {
            case AWAIT_PROMPT -> {
                appendLoginText(bytes);
                if (loginText.indexOf(PROMPT) >= 0) {
                    login = LoginState.PROMPT_SEEN;
                    loginText.setLength(0);
                    promptSeen.complete(null);
                }
                return;  // the prompt is the login stage's business, not terminal output
            }
            case AWAIT_RESULT -> {
                appendLoginText(bytes);
                // Output first: whoever reacts to the login already finds the banner in output().
                emit(bytes);
                if (loginText.indexOf(CONNECTED) >= 0) {
                    login = LoginState.OPEN;
                    filesReady = true;
                    loginResult.complete(null);
                    startNext();
                } else if (loginText.indexOf(DENIED) >= 0) {
                    login = LoginState.DENIED;
                    loginResult.completeExceptionally(new LoginFailedException("access denied by " + peer));
                }
            }
            default -> emit(bytes);
        }
    }

    private void appendLoginText(byte[] bytes) {
        if (loginText.length() < LOGIN_TEXT_LIMIT) {
            loginText.append(new String(bytes, StandardCharsets.ISO_8859_1));
        }
    }

    private void emit(byte[] bytes) {
        Sinks.EmitResult r = output.tryEmitNext(bytes);
        if (r == Sinks.EmitResult.FAIL_OVERFLOW || r == Sinks.EmitResult.FAIL_NON_SERIALIZED) {
            LOG.warn("terminal output from {} dropped ({})", peer, r);
        }
    }

    /** Sends the password once the prompt has arrived; completes with the server's answer. */
    CompletableFuture<Void> login(byte[] password) {
        if (loginRequested) {
            return CompletableFuture.failedFuture(new IllegalStateException("login() was already called"));
        }
        loginRequested = true;
        promptSeen.thenRun(() -> sendPassword(password));
        return loginResult;
    }

    private void sendPassword(byte[] password) {
        byte[] entry = new byte[password.length + 1];
        System.arraycopy(password, 0, entry, 0, password.length);
        entry[password.length] = '\r';
        login = LoginState.AWAIT_RESULT;
        if (mode == WireMode.LEGACY) {
            // webrepl_cli: the password as a binary frame, then GET_VER at once, without waiting
            // for the answer (spec §2, §4.5; §9 T7). Its reply is read and dropped.
            ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(entry)));
            filesReady = true;
            queue.addFirst(new VersionRequest(new CompletableFuture<>()));
            startNext();
        } else {
            ctx.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(entry)));
        }
        ctx.flush();
    }

    void submit(FileOperation op) {
        if (!ctx.channel().isActive() || login == LoginState.DENIED) {
            op.abort(lost());
            return;
        }
        queue.add(op);
        startNext();
    }

    private void startNext() {
        while (current == null && filesReady && !queue.isEmpty()) {
            current = queue.poll();
            current.start(this);
        }
    }

    private void drainReplies() {
        // The current operation sees every frame, an empty one too (FileOperation#onReply).
        boolean frameSeen = false;
        while (replies.isReadable() || !frameSeen) {
            frameSeen = true;
            FileOperation op = current;
            if (op == null) {
                if (replies.isReadable()) {
                    LOG.warn("unexpected file-channel reply from {} ({} bytes) dropped", peer, replies.readableBytes());
                    replies.clear();
                }
                break;
            }
            int before = replies.readableBytes();
            try {
                op.onReply(replies);
            } catch (IllegalStateException e) {
                breakConnection(new IOException("protocol error from " + peer + ": " + e.getMessage(), e));
                return;
            }
            if (current == op && replies.readableBytes() == before) {
                break;  // the operation waits for more bytes
            }
        }
        replies.discardSomeReadBytes();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (current != null && ctx.channel().isWritable()) {
            current.onWritable();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        handshake.completeExceptionally(cause);
        LOG.debug("connection to {} failed", peer, cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ConnectionLostException lost = lost();
        handshake.completeExceptionally(lost);
        promptSeen.completeExceptionally(lost);
        loginResult.completeExceptionally(lost);
        filesReady = false;
        FileOperation op = current;
        current = null;
        if (op != null) {
            op.abort(lost);
        }
        abortQueued(lost);
        output.tryEmitComplete();
        releaseReplies();
        closed.complete(null);
        super.channelInactive(ctx);
    }

    private ConnectionLostException lost() {
        ServerClose close = serverClose;
        return close == null ? new ConnectionLostException("connection to " + peer + " closed", failure)
                : new ConnectionLostException("connection to " + peer + " closed by the server: " + close, failure, close);
    }

    private void abortQueued(Throwable cause) {
        for (FileOperation op; (op = queue.poll()) != null; ) {
            op.abort(cause);
        }
    }

    private void releaseReplies() {
        if (replies != null) {
            replies.release();
            replies = null;
        }
    }

    // FileLink

    @Override
    public Channel channel() {
        return ctx.channel();
    }

    @Override
    public WireMode mode() {
        return mode;
    }

    @Override
    public int putFrameSize() {
        return putFrameSize;
    }

    @Override
    public ChannelFuture writeBinary(ByteBuf payload) {
        return ctx.write(new BinaryWebSocketFrame(payload));
    }

    @Override
    public void finished(FileOperation op) {
        if (current == op) {
            current = null;
            startNext();
        }
    }

    @Override
    public void breakConnection(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        filesReady = false;
        FileOperation op = current;
        current = null;
        if (op != null) {
            op.abort(cause);
        }
        abortQueued(lost());
        ctx.close();
    }
}
