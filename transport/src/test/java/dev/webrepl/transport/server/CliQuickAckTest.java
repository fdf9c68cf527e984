package dev.webrepl.transport.server;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.masked;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.testkit.clients.OfficialCli;
import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.conformance.ServerTestBase;
import io.netty.channel.Channel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #16 point 6: the official CLI writes a frame's header and payload in two writes without
 * TCP_NODELAY, so its connection gets {@link QuickAck} (an ACK right after every read, on Linux), and
 * only its connection. Times are not asserted: what a test can see is the handler, how often it set
 * the option, and the bytes.
 */
@Timeout(60)
class CliQuickAckTest extends ServerTestBase {
    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");

    /** The server side of the client whose local port is {@code port}. */
    private Channel serverChannel(int port) {
        return server.connectionChannels().stream()
                .filter(ch -> ((InetSocketAddress) ch.remoteAddress()).getPort() == port)
                .findFirst().orElseThrow(() -> new AssertionError("no server channel for client port " + port));
    }

    @Test
    @DisplayName("a GET of a 4-chunk file by a client that writes like the CLI arrives byte for byte, with TCP_QUICKACK set after every read")
    void cliGetOfManyChunksIsExactAndQuickAcked() throws IOException {
        int chunk = server.options().getChunkSize();
        byte[] content = new byte[3 * chunk + 1000];
        new Random(16).nextBytes(content);
        Files.write(root.resolve("big.bin"), content);
        try (OfficialCli cli = OfficialCli.connect("127.0.0.1", server.port(), Duration.ofSeconds(30))) {
            assertEquals(3, cli.login(PASSWORD).length);
            int before = cli.framesWritten();
            assertArrayEquals(content, cli.get("big.bin"));
            // The request, then one ack per chunk and one for the empty chunk that ends the GET.
            int acks = cli.framesWritten() - before - 1;
            assertEquals(5, acks);

            QuickAck quickAck = serverChannel(cli.localPort()).pipeline().get(QuickAck.class);
            if (LINUX) {
                assertNotNull(quickAck, "the CLI's connection has the quick-ACK handler");
                // Each ack is written only after the answer to the one before, which the server sends only
                // after reading that one: every ack ends a read of its own, and each read sets the option.
                assertTrue(quickAck.armed() >= acks, "TCP_QUICKACK set " + quickAck.armed() + " times for " + acks + " acks");
            } else {
                assertNull(quickAck, "no TCP_QUICKACK here: the handler removed itself");
            }
        }
    }

    @Test
    @DisplayName("a browser's connection (RFC 6455 handshake) keeps the kernel's delayed ACKs: no quick-ACK handler")
    void browserConnectionHasNoQuickAck() throws IOException {
        try (OfficialCli cli = OfficialCli.connect("127.0.0.1", server.port(), Duration.ofSeconds(30))) {
            cli.login(PASSWORD);
            RawWebSocket browser = connect();
            browser.send(ascii("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
            assertTrue(browser.readHttpHead().startsWith("HTTP/1.1 101 "));
            browser.expect(RawWebSocket.PROMPT_FRAME);
            browser.send(masked(0x81, ascii(PASSWORD + "\r")));
            browser.expect(RawWebSocket.CONNECTED_FRAME);
            browser.expectSessionLine();

            assertNull(serverChannel(browser.localPort()).pipeline().get(QuickAck.NAME));
            // The CLI's connection, open at the same time, has it (where the platform has the option).
            assertEquals(LINUX, serverChannel(cli.localPort()).pipeline().get(QuickAck.NAME) != null);
        }
    }
}
