package dev.webrepl.transport.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.conformance.ServerTestBase;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.time.Duration;
import java.util.Locale;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #16 point 1: the official CLI's connection gets TCP keepalive instead of pings, with the
 * probe timings of the ping options (idle after the interval, three probes over the timeout), read
 * back from the server's socket.
 */
@Timeout(60)
class CliTcpKeepaliveTest extends ServerTestBase {
    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");

    @Override
    protected ServerOptions configure(ServerOptions options) {
        return options.withPings(Duration.ofSeconds(7), Duration.ofSeconds(9));
    }

    private Channel serverChannel(int port) {
        return server.connectionChannels().stream()
                .filter(ch -> ((InetSocketAddress) ch.remoteAddress()).getPort() == port)
                .findFirst().orElseThrow(() -> new AssertionError("no server channel for client port " + port));
    }

    /** The option as the channel's transport has it: the epoll transport's, else the JDK's on NIO. */
    private static Integer option(Channel ch, ChannelOption<Integer> epoll, SocketOption<Integer> jdk) {
        Integer v = ch.config().getOption(epoll);
        return v != null ? v : ch.config().getOption(NioChannelOption.of(jdk));
    }

    @Test
    @DisplayName("the CLI's socket probes after the ping interval (7 s), every 3 s, 3 times (ping timeout 9 s)")
    void cliSocketHasThePingTimingsAsKeepalive() throws IOException {
        RawWebSocket cli = loggedIn();
        Channel ch = serverChannel(cli.localPort());
        assertEquals(Boolean.TRUE, ch.config().getOption(ChannelOption.SO_KEEPALIVE));
        if (LINUX) {
            assertEquals(7, option(ch, EpollChannelOption.TCP_KEEPIDLE, ExtendedSocketOptions.TCP_KEEPIDLE));
            assertEquals(3, option(ch, EpollChannelOption.TCP_KEEPINTVL, ExtendedSocketOptions.TCP_KEEPINTERVAL));
            assertEquals(3, option(ch, EpollChannelOption.TCP_KEEPCNT, ExtendedSocketOptions.TCP_KEEPCOUNT));
        }
    }
}
