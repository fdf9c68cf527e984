package dev.webrepl.transport.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bytes a client sends in the same TCP write as its upgrade request are decoded as frames (spec §7). */
class PipelinedUpgradeTest {
    private static final byte[] LEGACY_REQUEST = ("GET / HTTP/1.1\r\nHost: echo.websocket.org\r\n"
            + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Accept: BM0S0+ghftShuFVHQATK/DBiJq8=\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path root;
    private WebReplServer server;

    @BeforeEach
    void start() throws IOException {
        server = WebReplServer.start(ServerOptions.of(PasswordCheck.plain("secret"), new FileStore(root)).withPort(0),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @RepeatedTest(20)
    void framesInTheUpgradeWriteAreAnswered() throws IOException {
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        burst.writeBytes(LEGACY_REQUEST);
        burst.writeBytes(hex("82 07 73 65 63 72 65 74 0d"));            // secret\r, binary, unmasked
        burst.writeBytes(hex("82 52 57 41 03 00"));                      // GET_VER header ...
        burst.writeBytes(new byte[78]);                                  // ... zero padded to 82 bytes
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(burst.toByteArray());
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertArrayEquals(RESPONSE, readN(in, RESPONSE.length));
            assertArrayEquals(concat(hex("81 0a"), "Password: ".getBytes(StandardCharsets.US_ASCII)), readN(in, 12));
            assertArrayEquals(concat(hex("81 19"), "\r\nWebREPL connected\r\n>>> ".getBytes(StandardCharsets.US_ASCII)),
                    readN(in, 27));
            // The session line (README "Sessions"), on a line of its own: one 52-byte text frame.
            byte[] line = readN(in, 54);
            String id = server.sessions().sessions().iterator().next().id();
            assertArrayEquals(concat(hex("81 34"), ("\r\nwebrepl: session /session/" + id + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII)), line);
            assertArrayEquals(hex("82 03 00 01 00"), readN(in, 5));
        }
    }

    @Test
    void pipelinedPlainRequestsAreBothAnswered() throws IOException {
        byte[] get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(concat(get, get));
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] page = server.pageBytes();
            for (int i = 0; i < 2; i++) {
                String head = readHead(in);
                assertEquals(true, head.startsWith("HTTP/1.1 200 OK\r\n"), head);
                assertArrayEquals(page, readN(in, page.length));
            }
        }
    }

    private static String readHead(DataInputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            head.write(in.readUnsignedByte());
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static byte[] readN(DataInputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static byte[] hex(String s) {
        String[] parts = s.trim().split("\\s+");
        byte[] b = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return b;
    }
}
