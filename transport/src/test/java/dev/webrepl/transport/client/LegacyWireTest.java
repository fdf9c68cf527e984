package dev.webrepl.transport.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Legacy mode against a scripted peer: a raw socket records what the client sends and answers with
 * the reference server's bytes (spec/reference-transcripts/stock-poll-*.txt).
 */
@Timeout(60)
class LegacyWireTest {
    private static final HexFormat HEX = HexFormat.of();
    /** stock-poll-01: webrepl_cli's request. */
    private static final byte[] CLI_REQUEST = ("GET / HTTP/1.1\r\nHost: echo.websocket.org\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    /** stock-poll-01: the reference's 101. */
    private static final byte[] SWITCHING = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Accept: BM0S0+ghftShuFVHQATK/DBiJq8=\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PROMPT = HEX.parseHex("810a50617373776f72643a20");
    private static final byte[] CONNECTED = HEX.parseHex("81190d0a5765625245504c20636f6e6e65637465640d0a3e3e3e20");
    private static final byte[] DENIED = HEX.parseHex("81110d0a4163636573732064656e6965640d0a");
    private static final byte[] STATUS_OK = HEX.parseHex("820457420000");
    private static final byte[] PASSWORD_FRAME = HEX.parseHex("82077365637265740d");
    /** stock-poll-07: GET_VER as one 82-byte binary frame. */
    private static final byte[] GET_VER_FRAME = concat(HEX.parseHex("8252574103"), new byte[79]);

    @TempDir
    Path dir;

    private ServerSocket listener;
    private WebReplClient client;

    @BeforeEach
    void listen() throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        listener.setSoTimeout(30_000);
        client = WebReplClient.newBuilder().wireMode(WireMode.LEGACY).build();
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        listener.close();
    }

    /** Accepts the client, checks its handshake byte for byte and sends the 101 and the prompt. */
    private Socket handshake() throws IOException {
        Socket s = listener.accept();
        s.setSoTimeout(30_000);
        assertArrayEquals(CLI_REQUEST, readExactly(s.getInputStream(), CLI_REQUEST.length),
                "the request is webrepl_cli's, byte for byte");
        s.getOutputStream().write(concat(SWITCHING, PROMPT));
        return s;
    }

    @Test
    void legacyHandshakeIsWebreplClisRequestAndPasswordIsABinaryFrameFollowedByGetVer() throws IOException {
        CompletableFuture<ReplConnection> connecting = client.connect("127.0.0.1", listener.getLocalPort());
        try (Socket s = handshake(); ReplConnection c = connecting.join()) {
            CompletableFuture<Void> login = c.login("secret");
            InputStream in = s.getInputStream();
            assertArrayEquals(PASSWORD_FRAME, readExactly(in, PASSWORD_FRAME.length));
            assertArrayEquals(GET_VER_FRAME, readExactly(in, GET_VER_FRAME.length));
            s.getOutputStream().write(concat(CONNECTED, HEX.parseHex("8203011d00")));
            login.join();
            CompletableFuture<byte[]> version = c.version();
            assertArrayEquals(GET_VER_FRAME, readExactly(in, GET_VER_FRAME.length));
            s.getOutputStream().write(HEX.parseHex("8203011d00"));
            assertArrayEquals(new byte[] {1, 0x1d, 0}, version.join());
        }
    }

    @Test
    void legacyPutSendsHeaderAsTenAndSeventyTwoByteFramesThenUnmasked1024ByteFrames() throws IOException {
        byte[] content = new byte[3000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (3 + 7 * i);  // the transcript's pattern (stock-poll-09)
        }
        Path source = Files.write(dir.resolve("rawput.bin"), content);
        CompletableFuture<ReplConnection> connecting = client.connect("127.0.0.1", listener.getLocalPort());
        try (Socket s = handshake(); ReplConnection c = connecting.join()) {
            loggedIn(s, c);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            CompletableFuture<Long> put = c.put(source, "/rawput.bin", TransferProgress.NONE);
            // stock-poll-08, verbatim.
            assertArrayEquals(HEX.parseHex("820a57410100000000000000"), readExactly(in, 12));
            assertArrayEquals(concat(HEX.parseHex("82480000b80b00000b002f7261777075742e62696e"), new byte[53]),
                    readExactly(in, 74));
            out.write(STATUS_OK);
            assertArrayEquals(concat(HEX.parseHex("827e0400"), Arrays.copyOfRange(content, 0, 1024)), readExactly(in, 1028));
            assertArrayEquals(concat(HEX.parseHex("827e0400"), Arrays.copyOfRange(content, 1024, 2048)), readExactly(in, 1028));
            assertArrayEquals(concat(HEX.parseHex("827e03b8"), Arrays.copyOfRange(content, 2048, 3000)), readExactly(in, 956));
            out.write(STATUS_OK);
            assertEquals(3000, put.join());
        }
    }

    @Test
    void legacyGetSendsOneHeaderFrameAndOneZeroByteAckPerChunk() throws IOException {
        byte[] content = new byte[600];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }
        Path target = dir.resolve("got.bin");
        CompletableFuture<ReplConnection> connecting = client.connect("127.0.0.1", listener.getLocalPort());
        try (Socket s = handshake(); ReplConnection c = connecting.join()) {
            loggedIn(s, c);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            CompletableFuture<Long> get = c.get("/rawput.bin", target, TransferProgress.NONE);
            // stock-poll-10, verbatim.
            assertArrayEquals(concat(HEX.parseHex("8252574102000000000000000000000000000b002f7261777075742e62696e"),
                    new byte[53]), readExactly(in, 84));
            out.write(STATUS_OK);
            for (int off = 0; off < content.length; off += 256) {
                assertArrayEquals(HEX.parseHex("820100"), readExactly(in, 3));
                int n = Math.min(256, content.length - off);
                int len = n + 2;
                byte[] header = len < 126
                        ? new byte[] {(byte) 0x82, (byte) len, (byte) n, (byte) (n >> 8)}
                        : new byte[] {(byte) 0x82, 0x7e, (byte) (len >> 8), (byte) len, (byte) n, (byte) (n >> 8)};
                out.write(concat(header, Arrays.copyOfRange(content, off, off + n)));
            }
            assertArrayEquals(HEX.parseHex("820100"), readExactly(in, 3));
            out.write(HEX.parseHex("82020000820457420000"));
            assertEquals(content.length, get.join());
        }
        assertArrayEquals(content, Files.readAllBytes(target));
    }

    @Test
    void legacyLoginFailsOnAccessDenied() throws IOException {
        CompletableFuture<ReplConnection> connecting = client.connect("127.0.0.1", listener.getLocalPort());
        try (Socket s = handshake(); ReplConnection c = connecting.join()) {
            CompletableFuture<Void> login = c.login("wrong");
            readExactly(s.getInputStream(), 8 + GET_VER_FRAME.length);
            s.getOutputStream().write(DENIED);
            s.close();
            Throwable e = login.handle((v, t) -> t).join();
            assertEquals(LoginFailedException.class, e.getClass());
        }
    }

    private static void loggedIn(Socket s, ReplConnection c) throws IOException {
        CompletableFuture<Void> login = c.login("secret");
        readExactly(s.getInputStream(), PASSWORD_FRAME.length + GET_VER_FRAME.length);
        s.getOutputStream().write(concat(CONNECTED, HEX.parseHex("8203011d00")));
        login.join();
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("EOF after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
