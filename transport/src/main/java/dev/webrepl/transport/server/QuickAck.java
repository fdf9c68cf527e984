package dev.webrepl.transport.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledges at once what the official CLI sends (issue #16 point 6; spec §1.2). webrepl_cli
 * writes each frame as two {@code send()}s, header then payload, without {@code TCP_NODELAY}: Nagle
 * holds the payload until the header is ACKed, and Linux delays that ACK (~40 ms) on a connection it
 * takes for request-response, so a GET moved one 64 KiB chunk per ~40 ms (1.5 MB/s). Linux's
 * {@code TCP_QUICKACK} is not sticky: set after a read, it sends the pending ACK now and leaves the
 * delayed-ACK mode until the kernel enters it again, so it is set again after every read.
 *
 * <p>Which connections: those upgraded with the CLI's handshake ({@link LegacyClientCompat#CLI_HANDSHAKE};
 * our {@code --legacy} client's too), for their whole life, not only during a GET: the CLI's REPL
 * writes each keystroke the same way (header, then one byte), and one {@code setsockopt} per read
 * batch is cheap next to the read itself. Browsers, Thonny's WebSocket library and Netty clients
 * (ours) write each frame in one write, which Nagle does not split, so their connections keep the
 * kernel's delayed ACKs, which save packets.
 *
 * <p>Sits next to the head of the pipeline, so it sees every read batch end ({@code channelReadComplete}:
 * the socket has just been read dry, which is when the kernel sends a pushed ACK). The option is
 * the native epoll transport's, or the JDK's {@link ExtendedSocketOptions#TCP_QUICKACK} on NIO; where
 * neither applies (not Linux) the handler removes itself and the server says so once, at FINE.
 */
final class QuickAck extends ChannelInboundHandlerAdapter {
    static final String NAME = "webrepl.quickAck";
    private static final Logger LOG = LoggerFactory.getLogger(QuickAck.class);
    /** The option as each transport knows it; a config answers {@code false} to the other's. */
    private static final List<ChannelOption<Boolean>> OPTIONS = List.of(
            EpollChannelOption.TCP_QUICKACK, NioChannelOption.of(ExtendedSocketOptions.TCP_QUICKACK));

    private final AtomicBoolean unsupportedLogged;
    /** Event-loop only: the option this channel takes (null until found). */
    private ChannelOption<Boolean> option;
    /** How often it was set; written on the event loop only. */
    private volatile long armed;

    /** {@code unsupportedLogged}: the server's flag, so a platform without the option is logged once per server. */
    QuickAck(AtomicBoolean unsupportedLogged) {
        this.unsupportedLogged = unsupportedLogged;
    }

    /** Adds the handler to {@code channel}'s pipeline, right after the {@link OutboundLimit} (the first handler). */
    static void install(Channel channel, AtomicBoolean unsupportedLogged) {
        if (channel.pipeline().get(OutboundLimit.NAME) != null) {
            channel.pipeline().addAfter(OutboundLimit.NAME, NAME, new QuickAck(unsupportedLogged));
        } else {
            channel.pipeline().addFirst(NAME, new QuickAck(unsupportedLogged));
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            // Closed before we got here: a failed setsockopt would say nothing about the platform.
            ctx.pipeline().remove(this);
            return;
        }
        for (ChannelOption<Boolean> o : OPTIONS) {
            if (set(ctx, o)) {
                option = o;
                return;
            }
        }
        if (unsupportedLogged.compareAndSet(false, true)) {
            LOG.debug("TCP_QUICKACK is not available on {} here (Linux only): the official CLI's GET will be slow"
                    + " (issue #16)", ctx.channel().getClass().getSimpleName());
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (option != null && ctx.channel().isActive() && !set(ctx, option)) {
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelReadComplete();
    }

    private boolean set(ChannelHandlerContext ctx, ChannelOption<Boolean> o) {
        try {
            if (ctx.channel().config().setOption(o, Boolean.TRUE)) {
                armed++;
                return true;
            }
            return false;
        } catch (ChannelException e) {
            // The socket refused it (closed under us): the connection is ending, nothing to acknowledge.
            LogFields.with(null, LogFields.peer(ctx.channel().remoteAddress()), () -> LOG.debug("TCP_QUICKACK not set: {}", e.toString()));
            return false;
        }
    }

    /** How often the option has been set on this connection (tests: at least once per read batch). */
    long armed() {
        return armed;
    }
}
