package dev.webrepl.transport.server;

import dev.webrepl.core.protocol.FileTransferChannel;
import dev.webrepl.core.protocol.Opcode;
import dev.webrepl.core.protocol.WebReplConnection;
import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.lang.System.Logger.Level;
import java.util.concurrent.RejectedExecutionException;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * Bridges one WebSocket to a {@link WebReplConnection}.
 *
 * <p>Inbound frames are copied out of their buffers on the event loop (so Reactor Netty releases
 * them as usual) and handed to a worker with bounded demand: at most {@link #PREFETCH} frames wait,
 * after which Reactor Netty stops reading and TCP throttles the client (findings Q6). The connection
 * logic and its file I/O run on that worker, one frame at a time. Outbound frames wrap heap arrays,
 * so nothing on the way out needs releasing.
 *
 * <p>Ping, pong and close frames never get here: Reactor Netty answers pings with pongs carrying the
 * same payload and answers a close frame, so no control payload can leak into data (spec §1.3, the
 * reference's bug).
 */
final class ConnectionHandler {
    private static final System.Logger LOG = System.getLogger(ConnectionHandler.class.getName());
    static final int PREFETCH = 16;

    private final ServerOptions options;
    private final SessionRegistry sessions;
    private final Scheduler workers;
    private final Sinks.Many<WebSocketFrame> outgoing = Sinks.many().unicast().onBackpressureBuffer();
    private volatile boolean closeWithoutFrame;
    private String peer = "?";
    private volatile Session session;
    private volatile WebsocketOutbound outbound;

    ConnectionHandler(ServerOptions options, SessionRegistry sessions, Scheduler workers) {
        this.options = options;
        this.sessions = sessions;
        this.workers = workers;
    }

    private record Data(Opcode opcode, byte[] payload) {
    }

    /**
     * The server is closing: a close frame with code 1001 (RFC 6455 §7.4.1), then the TCP close.
     * Written on the channel directly: Netty releases a frame whose write fails, where Reactor
     * Netty's sendClose leaks it when the peer is already closing.
     */
    void goingAway() {
        WebsocketOutbound out = outbound;
        if (out != null) {
            outgoing.tryEmitComplete();
            out.withConnection(c -> {
                Channel ch = c.channel();
                try {
                    ch.eventLoop().execute(() -> {
                        if (ch.isActive()) {
                            ch.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(),
                                    "server shutting down")).addListener(ChannelFutureListener.CLOSE);
                        }
                    });
                } catch (IllegalStateException | RejectedExecutionException alreadyGone) {
                    // The channel was closed and deregistered meanwhile: nothing left to say goodbye to.
                }
            });
        }
    }

    /** Closes the TCP connection at once. */
    void abort() {
        WebsocketOutbound out = outbound;
        if (out != null) {
            out.withConnection(c -> c.channel().close());
        }
    }

    Mono<Void> handle(WebsocketInbound in, WebsocketOutbound out) {
        outbound = out;
        in.withConnection(c -> peer = String.valueOf(c.channel().remoteAddress()));
        WebReplConnection connection = new WebReplConnection(options.password(), this::openTerminal,
                replies -> new FileTransferChannel(options.files(), options.getChunkSize(), options.version(),
                        replies, options.transfers()),
                new Wire());
        synchronized (connection) {
            connection.start();
        }
        Mono<Void> receiving = in.receiveFrames()
                .mapNotNull(ConnectionHandler::data)
                .publishOn(workers, PREFETCH)
                .doOnNext(d -> {
                    synchronized (connection) {
                        connection.onFrame(d.opcode(), d.payload());
                    }
                })
                .then()
                // The peer closed TCP without a close frame (webrepl_cli always does, §1.2): a normal
                // end. Answering it with sendClose would build a close frame for a dead channel and leak it.
                .onErrorResume(AbortedException.class, e -> Mono.empty())
                .onErrorResume(e -> {
                    LOG.log(Level.WARNING, "connection " + peer + " (session " + sessionId() + ") failed", e);
                    return open(in) ? out.sendClose(1011, "internal error") : Mono.empty();
                })
                .doFinally(signal -> {
                    synchronized (connection) {
                        connection.close();
                    }
                    outgoing.tryEmitComplete();
                });
        Mono<Void> sending = out.sendObject(outgoing.asFlux()).then()
                .then(Mono.defer(() -> closeWithoutFrame ? closeTcp(out) : Mono.empty()));
        return Mono.when(receiving, sending);
    }

    private static boolean open(WebsocketInbound in) {
        boolean[] active = new boolean[1];
        in.withConnection(c -> active[0] = c.channel().isActive());
        return active[0];
    }

    private static Mono<Void> closeTcp(WebsocketOutbound out) {
        // Close the channel itself: Connection.dispose() cancels the inbound, and Reactor Netty then
        // sends a close frame (88 00), which the reference never does after a wrong password (§2, T6).
        out.withConnection(c -> c.channel().close());
        return Mono.empty();
    }

    private String sessionId() {
        Session s = session;
        return s == null ? "-" : s.id();
    }

    private WebReplConnection.Terminal openTerminal(dev.webrepl.core.engine.TerminalOutput toClient) {
        Session s = sessions.open();
        session = s;
        LOG.log(Level.INFO, "session " + s.id() + " opened by " + peer);
        return s.attach(toClient);
    }

    private static Data data(WebSocketFrame frame) {
        Opcode opcode;
        if (frame instanceof TextWebSocketFrame) {
            opcode = Opcode.TEXT;
        } else if (frame instanceof BinaryWebSocketFrame) {
            opcode = Opcode.BINARY;
        } else if (frame instanceof ContinuationWebSocketFrame) {
            opcode = Opcode.CONTINUATION;
        } else {
            return null;
        }
        return new Data(opcode, ByteBufUtil.getBytes(frame.content()));
    }

    /** Emissions come from the worker and from engines; the sink needs them one at a time. */
    private final class Wire implements WebReplConnection.Wire {
        @Override
        public synchronized void text(byte[] payload) {
            emit(new TextWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        }

        @Override
        public synchronized void binary(byte[] payload) {
            emit(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        }

        @Override
        public synchronized void closeWithoutFrame() {
            closeWithoutFrame = true;
            outgoing.tryEmitComplete();
        }

        private void emit(WebSocketFrame frame) {
            Sinks.EmitResult r = outgoing.tryEmitNext(frame);
            if (r.isFailure() && r != Sinks.EmitResult.FAIL_TERMINATED && r != Sinks.EmitResult.FAIL_CANCELLED) {
                LOG.log(Level.WARNING, "connection " + peer + ": output dropped (" + r + ")");
            }
        }
    }
}
