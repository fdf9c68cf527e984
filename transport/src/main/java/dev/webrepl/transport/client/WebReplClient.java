package dev.webrepl.transport.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A WebREPL client, shaped like {@link java.net.http.HttpClient}: configured once with a
 * {@link Builder}, then {@link #connect} gives {@link ReplConnection}s asynchronously.
 *
 * <pre>{@code
 * try (WebReplClient client = WebReplClient.newBuilder().wireMode(WireMode.LEGACY).build();
 *      ReplConnection c = client.connect("192.168.4.1", 8266, "secret").join()) {
 *     c.put(Path.of("main.py"), "main.py", TransferProgress.NONE).join();
 * }
 * }</pre>
 *
 * <p>With {@link Builder#tls()} or {@link Builder#tls(Path)} it speaks wss:// (TLS, the server's
 * certificate checked against the trusted certificates and the host name).
 *
 * <p>The client owns its event loop threads and its TLS context; {@link #close()} closes every
 * connection and stops them. Nothing is shared between clients.
 */
public final class WebReplClient implements AutoCloseable {
    public static final int DEFAULT_PORT = 8266;
    /** webrepl_cli's PUT data frame size (spec §4.3). */
    public static final int LEGACY_PUT_FRAME_SIZE = 1024;
    /** Server frames are at most 65535 bytes (spec §1.4 item 9); one more byte of slack costs nothing. */
    static final int MAX_SERVER_FRAME = 65536;

    private final WireMode mode;
    private final int putFrameSize;
    private final Duration connectTimeout;
    private final EventLoopGroup group;
    /** Null for ws://. */
    private final SslContext tls;

    private WebReplClient(Builder b) {
        this.tls = !b.tls ? null : b.pinned != null ? pinnedTls(b.pinned) : clientTls(b.trusted);
        this.mode = b.mode;
        this.putFrameSize = b.putFrameSize != 0 ? b.putFrameSize
                : mode == WireMode.LEGACY ? LEGACY_PUT_FRAME_SIZE : ReplConnection.MAX_FRAME_PAYLOAD;
        this.connectTimeout = b.connectTimeout;
        this.group = new MultiThreadIoEventLoopGroup(b.threads, new DefaultThreadFactory("webrepl-client", true),
                NioIoHandler.newFactory());
    }

    public static Builder newBuilder() {
        return new Builder();
    }

    /** A client with the defaults: standard wire mode, 65535-byte PUT frames, 10 s connect timeout. */
    public static WebReplClient newClient() {
        return newBuilder().build();
    }

    public WireMode wireMode() {
        return mode;
    }

    public int putFrameSize() {
        return putFrameSize;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Whether connections use wss:// (TLS). */
    public boolean isSecure() {
        return tls != null;
    }

    /**
     * A client TLS context that checks the server's certificate chain against {@code trusted} (PEM
     * certificates) or, when null, the JDK's default trust store, and the host name against the
     * certificate (HTTPS rules). The JDK provider: nothing native, no reference-counted memory.
     */
    private static SslContext clientTls(Path trusted) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .endpointIdentificationAlgorithm("HTTPS");
            if (trusted != null) {
                b.trustManager(trusted.toFile());
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use trusted certificates " + trusted + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code failure} (a connect's, with its causes) is a TLS port's answer to a plain request:
     * the server says so with a {@code 400} carrying {@code X-Webrepl-Error: tls-required}
     * (transport.server.PlainTextOnTlsPort), so a caller can tell its user to connect with TLS.
     */
    public static boolean tlsRequired(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException h
                    && h.response() != null && "tls-required".equals(h.response().headers().get("X-Webrepl-Error"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A client TLS context that trusts exactly the server certificate whose SHA-256 fingerprint is
     * {@code sha256} (hex, colons allowed), as printed by {@code serve --tls-self-signed}: the pin is
     * the identity, so the host name is not checked against the certificate (Netty's
     * FingerprintTrustManagerFactory).
     */
    private static SslContext pinnedTls(String sha256) {
        try {
            return SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(io.netty.handler.ssl.util.FingerprintTrustManagerFactory.builder("SHA-256")
                            .fingerprints(sha256).build())
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use the fingerprint " + sha256 + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens a TCP connection and does the WebSocket handshake; the connection then waits for
     * {@link ReplConnection#login}. Fails with {@link java.net.ConnectException} if nobody listens,
     * {@link ConnectionLostException} if the handshake fails or times out.
     */
    public CompletableFuture<ReplConnection> connect(String host, int port) {
        return connectPath(host, port, "/");
    }

    /**
     * {@link #connect(String, int)} to another path: {@code /session/ID} attaches to a running
     * session, {@code /session/ID?mode=view} as a viewer.
     */
    public CompletableFuture<ReplConnection> connectPath(String host, int port, String path) {
        return connectPath(host, port, path, null);
    }

    /**
     * {@link #connectPath(String, int, String)} from a given local address (any free port on it),
     * e.g. one of several loopback sources, so that more connections fit than one address has
     * ephemeral ports; null lets the OS choose.
     */
    public CompletableFuture<ReplConnection> connectPath(String host, int port, String path, InetAddress localAddress) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("a path starts with '/': " + path);
        }
        CompletableFuture<ReplConnection> result = new CompletableFuture<>();
        String peer = host + ":" + port;
        URI uri = URI.create((tls != null ? "wss://" : "ws://") + (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
                + ":" + port + path);
        ClientHandler handler = new ClientHandler(mode, putFrameSize, peer);
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            // Host and port go to the engine for SNI and the host name check.
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), host, port));
                        }
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                                new WebSocketClientProtocolHandler(handshaker(uri), protocolConfig()), handler);
                    }
                });
        try {
            (localAddress == null ? bootstrap.connect(host, port)
                    : bootstrap.connect(new InetSocketAddress(host, port), new InetSocketAddress(localAddress, 0)))
                    .addListener(f -> {
                if (!f.isSuccess()) {
                    result.completeExceptionally(f.cause());
                    return;
                }
                Channel channel = ((io.netty.channel.ChannelFuture) f).channel();
                handler.handshake.whenComplete((v, e) -> {
                    if (e == null) {
                        result.complete(new ReplConnection(channel, handler, mode));
                    } else {
                        channel.close();
                        result.completeExceptionally(e instanceof ConnectionLostException ? e
                                : new ConnectionLostException("WebSocket handshake with " + peer + " failed: "
                                        + e.getMessage(), e));
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("the client is closed", e));
        }
        return result;
    }

    /** {@link #connect(String, int)}, then {@link ReplConnection#login}; the connection is closed if login fails. */
    public CompletableFuture<ReplConnection> connect(String host, int port, String password) {
        return connect(host, port).thenCompose(c -> c.login(password)
                .handle((v, e) -> {
                    if (e != null) {
                        c.close();
                        throw e instanceof java.util.concurrent.CompletionException ce ? ce
                                : new java.util.concurrent.CompletionException(e);
                    }
                    return c;
                }));
    }

    private WebSocketClientHandshaker handshaker(URI uri) {
        if (mode == WireMode.LEGACY) {
            return new LegacyHandshaker(uri, MAX_SERVER_FRAME);
        }
        // No Origin header: we are not a browser, and the server allows a missing Origin (spec §1.4 item 5).
        return WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13, null, false,
                EmptyHttpHeaders.INSTANCE, MAX_SERVER_FRAME, true, false, -1, false, false);
    }

    private WebSocketClientProtocolConfig protocolConfig() {
        return WebSocketClientProtocolConfig.newBuilder()
                .handleCloseFrames(false)  // ClientHandler keeps the server's status and reason, then closes
                .dropPongFrames(true)
                .handshakeTimeoutMillis(Math.max(1, connectTimeout.toMillis()))
                // Text frames are terminal bytes, not always valid UTF-8 (spec §3).
                .withUTF8Validator(false)
                // webrepl_cli never sends a close frame, it just closes the socket (spec §1.2).
                .sendCloseFrame(mode == WireMode.LEGACY ? null : WebSocketCloseStatus.NORMAL_CLOSURE)
                .build();
    }

    /**
     * Closes every connection of this client and stops its threads, waiting up to a few seconds.
     * Must not be called from a future callback running on the client's own event loop.
     */
    @Override
    public void close() {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        // A no-op for the JDK provider's context; kept so a reference-counted one would be released too.
        ReferenceCountUtil.release(tls);
    }

    /** Configures a {@link WebReplClient}. */
    public static final class Builder {
        private WireMode mode = WireMode.STANDARD;
        private int putFrameSize;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int threads = 1;
        private boolean tls;
        private Path trusted;
        private String pinned;

        private Builder() {
        }

        /**
         * wss://: TLS, trusting the certificates the JDK trusts by default (its {@code cacerts}), with
         * the host name checked against the server's certificate.
         */
        public Builder tls() {
            this.tls = true;
            this.trusted = null;
            this.pinned = null;
            return this;
        }

        /**
         * wss://, trusting only the server certificate with this SHA-256 fingerprint (hex, colons
         * allowed: what {@code serve --tls-self-signed} prints); the host name is not checked.
         */
        public Builder tlsPinned(String sha256Fingerprint) {
            String hex = Objects.requireNonNull(sha256Fingerprint).replace(":", "").trim();
            if (!hex.matches("[0-9A-Fa-f]{64}")) {
                throw new IllegalArgumentException("a SHA-256 fingerprint is 64 hex digits (colons allowed), got '"
                        + sha256Fingerprint + "'");
            }
            this.tls = true;
            this.trusted = null;
            this.pinned = hex;
            return this;
        }

        /**
         * wss://, trusting only the PEM certificates in {@code trustedCertificatesPem} (a CA, or a
         * self-signed server certificate itself); the host name is checked too. The file is read by
         * {@link #build()}, which fails with {@link IllegalArgumentException} naming it if it cannot.
         */
        public Builder tls(Path trustedCertificatesPem) {
            this.tls = true;
            this.pinned = null;
            this.trusted = Objects.requireNonNull(trustedCertificatesPem);
            return this;
        }

        /** Default {@link WireMode#STANDARD}. */
        public Builder wireMode(WireMode mode) {
            this.mode = Objects.requireNonNull(mode);
            return this;
        }

        /**
         * PUT data bytes per binary frame, 1 to 65535. Default: 1024 in {@link WireMode#LEGACY} (as
         * webrepl_cli), 65535 in {@link WireMode#STANDARD}.
         */
        public Builder putFrameSize(int bytes) {
            if (bytes < 1 || bytes > ReplConnection.MAX_FRAME_PAYLOAD) {
                throw new IllegalArgumentException("PUT frame size must be 1.." + ReplConnection.MAX_FRAME_PAYLOAD
                        + ", got " + bytes);
            }
            this.putFrameSize = bytes;
            return this;
        }

        /** Limit for the TCP connect and, separately, the WebSocket handshake. Default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connect timeout must be positive");
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** Event loop threads; 1 (the default) suits a CLI, a load generator may want more. */
        public Builder eventLoopThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("need at least one thread");
            }
            this.threads = n;
            return this;
        }

        public WebReplClient build() {
            if (trusted != null && !java.nio.file.Files.isReadable(trusted)) {
                throw new IllegalArgumentException("trusted certificates file " + trusted + " does not exist or is not readable");
            }
            return new WebReplClient(this);
        }
    }
}
