package dev.webrepl.transport.server;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.FileTransferChannel;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.core.protocol.ConnectionRecorder;
import dev.webrepl.core.tls.TlsFiles;
import dev.webrepl.core.users.Tenancy;
import java.nio.file.Path;
import java.util.function.Supplier;
import reactor.netty.channel.ChannelMetricsRecorder;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link WebReplServer} runs. Immutable; change with the {@code with...} methods.
 *
 * @param host                  address to bind (loopback by default: DESIGN "Security defaults")
 * @param port                  TCP port, 0 for any free port
 * @param password              the password stage's check
 * @param files                 the file root
 * @param getChunkSize          GET payload bytes per frame
 * @param version               the three bytes of the GET_VER reply
 * @param maxFramePayloadLength the largest client frame accepted (larger: close 1009)
 * @param recorder              told of frames, logins, keystroke latency and file transfers
 * @param shutdownTimeout       how long {@link WebReplServer#close()} waits for connections
 * @param viewerPassword        a second password that only grants {@code ?mode=view}; null for none
 * @param nettyMetrics          Reactor Netty's own connection and data metrics go here; null for none
 * @param tls                   the certificate and key to speak TLS with (wss:// and https:// on the
 *                              same port); null for plain ws:// and http://
 * @param security              login throttling, the origin rule, timeouts and per-address limits
 * @param pingInterval          how often an open WebSocket is sent an empty ping; zero for never
 * @param pingTimeout           a connection that has answered a ping before and then sends nothing
 *                              at all (no pong, no data) for this long is closed as gone (half-open);
 *                              zero for never. Clients that never answer pings (webrepl_cli.py skips
 *                              them, spec §1.2) are not timed out.
 * @param tenancy               the users file, users' roots and per-user limits (README "Users"); null
 *                              for a single-password server, whose {@code password} and {@code files}
 *                              then apply to everyone
 */
public record ServerOptions(String host, int port, PasswordCheck password, FileStore files, int getChunkSize,
                            byte[] version, int maxFramePayloadLength, ConnectionRecorder recorder,
                            Duration shutdownTimeout, PasswordCheck viewerPassword,
                            Supplier<? extends ChannelMetricsRecorder> nettyMetrics, TlsFiles tls,
                            SecurityOptions security, Duration pingInterval, Duration pingTimeout, Tenancy tenancy) {
    public static final int DEFAULT_PORT = 8266;
    /**
     * Default GET chunk: the largest both official clients accept (a 65535-byte frame), and the
     * fastest on loopback in {@code webrepl bench transfer} (BENCHMARKS.md); the reference sends 256.
     */
    public static final int DEFAULT_GET_CHUNK = FileTransferChannel.MAX_CHUNK;
    public static final int DEFAULT_MAX_FRAME = 65536;
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_PING_TIMEOUT = Duration.ofSeconds(60);

    public ServerOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(recorder, "recorder");
        Objects.requireNonNull(security, "security");
        if (maxFramePayloadLength < 1) {
            throw new IllegalArgumentException("max frame payload length must be positive");
        }
        if (getChunkSize < 1 || getChunkSize > FileTransferChannel.MAX_CHUNK) {
            throw new IllegalArgumentException("GET chunk size must be 1.." + FileTransferChannel.MAX_CHUNK);
        }
        if (version.length != 3) {
            throw new IllegalArgumentException("version must be 3 bytes");
        }
        version = version.clone();
        Objects.requireNonNull(pingInterval, "pingInterval");
        Objects.requireNonNull(pingTimeout, "pingTimeout");
        if (pingInterval.isNegative() || pingTimeout.isNegative()) {
            throw new IllegalArgumentException("ping interval and timeout must not be negative");
        }
    }

    /** Loopback, port 8266, the default chunk size and frame limit. */
    public static ServerOptions of(PasswordCheck password, FileStore files) {
        return new ServerOptions("127.0.0.1", DEFAULT_PORT, password, files, DEFAULT_GET_CHUNK,
                Version.BYTES, DEFAULT_MAX_FRAME, ConnectionRecorder.NONE, Duration.ofSeconds(5), null, null, null,
                SecurityOptions.DEFAULTS, DEFAULT_PING_INTERVAL, DEFAULT_PING_TIMEOUT, null);
    }

    @Override
    public byte[] version() {
        return version.clone();
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, password, files, getChunkSize, version, maxFramePayloadLength,
                recorder, shutdownTimeout, viewerPassword, nettyMetrics, tls, security, pingInterval, pingTimeout, tenancy);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, password, files, getChunkSize, version, maxFramePayloadLength,
                recorder, shutdownTimeout, viewerPassword, nettyMetrics, tls, security, pingInterval, pingTimeout, tenancy);
    }

    public ServerOptions withViewerPassword(PasswordCheck viewer) {
        return new ServerOptions(host, port, password, files, getChunkSize, version, maxFramePayloadLength,
                recorder, shutdownTimeout, viewer, nettyMetrics, tls, security, pingInterval, pingTimeout, tenancy);
    }

    public ServerOptions withShutdownTimeout(Duration timeout) {
        return new ServerOptions(host, port, password, files, getChunkSize, version, maxFramePayloadLength,
                recorder, timeout, viewerPassword, nettyMetrics, tls, security, pingInterval, pingTimeout, tenancy);
    }

    public ServerOptions withFiles(FileStore store) {
        return new ServerOptions(host, port, password, store, getChunkSize, version, maxFramePayloadLength,
                recorder, shutdownTimeout, viewerPassword, nettyMetrics, tls, security, pingInterval, pingTimeout, tenancy);
    }

    public ServerOptions withGetChunkSize(int size) {
        return new ServerOptions(host, port, password, files, size, version, maxFramePayloadLength,
                recorder, shutdownTimeout, viewerPassword, nettyMetrics, tls, security, pingInterval, pingTimeout, tenancy);
    }

    public ServerOptions withVersion(byte[] v) {
        return new ServerOptions(host, port, password, files, getChunkSize, v, maxFramePayloadLength,
                recorder, shutdownTimeout, viewerPassword, nettyMetrics, tls, security, pingInterval, pingTimeout, tenancy);
    }

    public ServerOptions withRecorder(ConnectionRecorder r) {
        return new ServerOptions(host, port, password, files, getChunkSize, version, maxFramePayloadLength,
                r, shutdownTimeout, viewerPassword, nettyMetrics, tls, security, pingInterval, pingTimeout, tenancy);
    }

    /** Reactor Netty's connection and data metrics, recorded by {@code recorders} (one per server). */
    public ServerOptions withNettyMetrics(Supplier<? extends ChannelMetricsRecorder> recorders) {
        return new ServerOptions(host, port, password, files, getChunkSize, version, maxFramePayloadLength,
                recorder, shutdownTimeout, viewerPassword, recorders, tls, security, pingInterval, pingTimeout, tenancy);
    }

    /**
     * Speaks TLS: wss:// and https:// on the same port, with the PEM certificate chain
     * {@code certificateChainPem} and the PKCS#8 PEM private key {@code privateKeyPem} (read when the
     * server starts).
     */
    public ServerOptions withTls(Path certificateChainPem, Path privateKeyPem) {
        return withTls(new TlsFiles(certificateChainPem, privateKeyPem));
    }

    /** {@link #withTls(Path, Path)} with both files in one value; null: plain ws:// and http://. */
    public ServerOptions withTls(TlsFiles identity) {
        return new ServerOptions(host, port, password, files, getChunkSize, version, maxFramePayloadLength,
                recorder, shutdownTimeout, viewerPassword, nettyMetrics, identity, security, pingInterval, pingTimeout, tenancy);
    }

    public ServerOptions withSecurity(SecurityOptions s) {
        return new ServerOptions(host, port, password, files, getChunkSize, version, maxFramePayloadLength,
                recorder, shutdownTimeout, viewerPassword, nettyMetrics, tls, s, pingInterval, pingTimeout, tenancy);
    }

    /** The largest client frame payload accepted; a larger frame closes the connection with 1009. */
    public ServerOptions withMaxFramePayloadLength(int bytes) {
        return new ServerOptions(host, port, password, files, getChunkSize, version, bytes,
                recorder, shutdownTimeout, viewerPassword, nettyMetrics, tls, security, pingInterval, pingTimeout, tenancy);
    }

    /** Users from a users file, each with a root of their own (README "Users"); null: one password for everyone. */
    public ServerOptions withTenancy(Tenancy t) {
        return new ServerOptions(host, port, password, files, getChunkSize, version, maxFramePayloadLength,
                recorder, shutdownTimeout, viewerPassword, nettyMetrics, tls, security, pingInterval, pingTimeout, t);
    }

    /** WebSocket pings every {@code interval}; a connection silent for {@code timeout} after answering one is closed (zero: never). */
    public ServerOptions withPings(Duration interval, Duration timeout) {
        return new ServerOptions(host, port, password, files, getChunkSize, version, maxFramePayloadLength,
                recorder, shutdownTimeout, viewerPassword, nettyMetrics, tls, security, interval, timeout, tenancy);
    }
}
