package dev.webrepl.transport.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.transport.faults.CuttingProxy.Cut;
import dev.webrepl.transport.faults.CuttingProxy.Relayed;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The test relay itself, between two plain loopback sockets. */
@Timeout(30)
class CuttingProxyTest {
    private ServerSocket target;
    private CuttingProxy proxy;

    @BeforeEach
    void start() throws IOException {
        target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        proxy = CuttingProxy.start(target.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        try {
            proxy.close();
        } finally {
            target.close();
        }
    }

    private Socket connect() throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    @Test
    void withoutACutBothDirectionsAndTheirEndsPassUnchanged() throws Exception {
        CompletableFuture<Relayed> relayed = proxy.nextConnection(Cut.NONE);
        try (Socket client = connect(); Socket server = target.accept()) {
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertEquals("hello", new String(server.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            server.getOutputStream().write("world!".getBytes(StandardCharsets.US_ASCII));
            server.shutdownOutput();
            assertEquals("world!", new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            assertEquals(new Relayed(5, 6, false), relayed.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aFinCutForwardsExactlyTheCountThenEndsBothStreams() throws Exception {
        byte[] sent = pattern(5000);
        CompletableFuture<Relayed> relayed = proxy.nextConnection(Cut.clientToServer(1234, CuttingProxy.Close.FIN));
        try (Socket client = connect(); Socket server = target.accept()) {
            client.getOutputStream().write(sent);
            assertArrayEquals(Arrays.copyOf(sent, 1234), server.getInputStream().readAllBytes());
            assertEquals(new Relayed(1234, 0, true), relayed.get(10, TimeUnit.SECONDS));
            // The client's unread bytes make the kernel answer with a reset rather than a FIN.
            InputStream in = client.getInputStream();
            try {
                assertEquals(-1, in.read());
            } catch (SocketException reset) {
                // also an end
            }
        }
    }

    @Test
    void anRstCutResetsThePeers() throws Exception {
        CompletableFuture<Relayed> relayed = proxy.nextConnection(Cut.serverToClient(10, CuttingProxy.Close.RST));
        try (Socket client = connect(); Socket server = target.accept()) {
            server.getOutputStream().write(pattern(100));
            assertEquals(new Relayed(0, 10, true), relayed.get(10, TimeUnit.SECONDS));
            assertThrows(SocketException.class, () -> server.getInputStream().read());
            InputStream in = client.getInputStream();
            // Up to the 10 forwarded bytes may be read before the reset surfaces.
            assertThrows(SocketException.class, () -> {
                for (int i = 0; i <= 10; i++) {
                    assertTrue(in.read() >= 0, "an orderly end instead of a reset");
                }
            });
        }
    }

    @Test
    void connectionsTakeThePlansInOrderOneAtATime() throws Exception {
        CompletableFuture<Relayed> first = proxy.nextConnection(Cut.clientToServer(3, CuttingProxy.Close.FIN));
        CompletableFuture<Relayed> second = proxy.nextConnection(Cut.NONE);
        try (Socket c1 = connect(); Socket s1 = target.accept()) {
            c1.getOutputStream().write(pattern(8));
            assertArrayEquals(Arrays.copyOf(pattern(8), 3), s1.getInputStream().readAllBytes());
        }
        assertEquals(new Relayed(3, 0, true), first.get(10, TimeUnit.SECONDS));
        try (Socket c2 = connect(); Socket s2 = target.accept()) {
            c2.getOutputStream().write(pattern(8));
            c2.shutdownOutput();
            assertArrayEquals(pattern(8), s2.getInputStream().readAllBytes());
        }
        assertEquals(new Relayed(8, 0, false), second.get(10, TimeUnit.SECONDS));
    }

    @Test
    void closeEndsTheCurrentConnectionAndFailsUnusedPlans() throws Exception {
        CompletableFuture<Relayed> used = proxy.nextConnection(Cut.NONE);
        CompletableFuture<Relayed> unused = proxy.nextConnection(Cut.NONE);
        try (Socket client = connect(); Socket server = target.accept()) {
            client.getOutputStream().write(1);
            assertEquals(1, server.getInputStream().read());
            proxy.close();
            assertEquals(-1, server.getInputStream().read());
            assertEquals(new Relayed(1, 0, false), used.get(10, TimeUnit.SECONDS));
            ExecutionException e = assertThrows(ExecutionException.class, () -> unused.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, e.getCause());
            assertThrows(IOException.class, this::connect);
        }
    }
}
