package dev.webrepl.transport.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import java.time.Duration;

/**
 * TCP keepalive for a connection that must not be sent pings (webrepl_cli, issue #16): the kernel
 * probes an idle connection after {@code interval} and drops it when about {@code timeout} more
 * passes without an answer, as the ping keepalive would. The probe timings are the native epoll
 * transport's options, looked up by name so that this module needs no compile-time dependency on it;
 * on another transport only SO_KEEPALIVE (the kernel's own timings) applies.
 */
final class TcpKeepalive {
    private static final int PROBES = 3;

    private TcpKeepalive() {
    }

    static void enable(Channel channel, Duration interval, Duration timeout) {
        channel.config().setOption(ChannelOption.SO_KEEPALIVE, true);
        int idle = (int) Math.max(1, interval.toSeconds());
        int every = (int) Math.max(1, timeout.toSeconds() / PROBES);
        set(channel, "TCP_KEEPIDLE", idle);
        set(channel, "TCP_KEEPINTVL", every);
        set(channel, "TCP_KEEPCNT", PROBES);
    }

    private static void set(Channel channel, String name, int value) {
        if (ChannelOption.exists(name)) {
            ChannelOption<Object> option = ChannelOption.valueOf(name);
            channel.config().setOption(option, value);
        }
    }
}
