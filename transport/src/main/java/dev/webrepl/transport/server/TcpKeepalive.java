package dev.webrepl.transport.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import java.time.Duration;
import jdk.net.ExtendedSocketOptions;

/**
 * TCP keepalive for a connection that must not be sent pings (webrepl_cli, issue #16): the kernel
 * probes an idle connection after {@code interval} and drops it when about {@code timeout} more
 * passes without an answer, as the ping keepalive would. The probe timings are set through the
 * native epoll transport's options or, on NIO, the JDK's {@link ExtendedSocketOptions}; a config
 * answers {@code false} to the other transport's option, and where neither applies only
 * SO_KEEPALIVE (the kernel's own timings) does.
 */
final class TcpKeepalive {
    private static final int PROBES = 3;

    private TcpKeepalive() {
    }

    static void enable(Channel channel, Duration interval, Duration timeout) {
        channel.config().setOption(ChannelOption.SO_KEEPALIVE, true);
        int idle = (int) Math.max(1, interval.toSeconds());
        int every = (int) Math.max(1, timeout.toSeconds() / PROBES);
        // Not by name: Netty names these "io.netty.channel.epoll.EpollChannelOption#TCP_KEEPIDLE", so a
        // lookup of "TCP_KEEPIDLE" never found them and the kernel's two hours applied.
        set(channel, EpollChannelOption.TCP_KEEPIDLE, NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), idle);
        set(channel, EpollChannelOption.TCP_KEEPINTVL, NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), every);
        set(channel, EpollChannelOption.TCP_KEEPCNT, NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), PROBES);
    }

    private static void set(Channel channel, ChannelOption<Integer> epoll, ChannelOption<Integer> nio, int value) {
        if (!channel.config().setOption(epoll, value)) {
            channel.config().setOption(nio, value);
        }
    }
}
