package dev.webrepl.transport.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A client that talks as webrepl_cli.py does (spec §1.2, written from its description): the
 * request without {@code Sec-WebSocket-Version}, key {@code foo}; Nagle left on (no
 * {@code TCP_NODELAY}); every frame unmasked and written as two writes, the header and then the
 * payload; a reader that skips every frame but binary ones (text too while logging in) and hands out
 * bytes from the last frame it read, whatever the frame boundaries.
 */
final class CliLikeClient implements AutoCloseable {
    private static final byte[] REQUEST = ("GET / HTTP/1.1\r\nHost: echo.websocket.org\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final int GET_FILE = 2;
    private static final int GET_VER = 3;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private byte[] buffered = new byte[0];
    private int offset;
    /** How many frames this client has written (each as two writes). */
    private int framesWritten;

    private CliLikeClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code port} on loopback and does the CLI's handshake (reading the head up to the blank line). */
    static CliLikeClient connect(int port) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(false);
            s.setSoTimeout(10_000);
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            CliLikeClient c = new CliLikeClient(s);
            c.out.write(REQUEST);
            c.out.flush();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) c.in.readUnsignedByte());
            }
            assertEquals("HTTP/1.1 101 Switching Protocols", head.toString().lines().findFirst().orElseThrow());
            return c;
        } catch (IOException | RuntimeException | AssertionError e) {
            s.close();
            throw e;
        }
    }

    /** Waits for {@code ": "} (of {@code Password: }), sends the password, then GET_VER; returns the version. */
    byte[] login(String password) throws IOException {
        while (read(1, true)[0] != ':') {
            // the CLI reads the prompt byte by byte up to the colon
        }
        assertEquals(' ', read(1, true)[0]);
        write(concat(password.getBytes(StandardCharsets.UTF_8), new byte[] {'\r'}));
        write(request(GET_VER, ""));
        return read(3, false);
    }

    /** The CLI's GET: the request, {@code WB 00 00}, then per chunk an ack and the chunk, up to the empty one, then WB. */
    byte[] get(String name) throws IOException {
        write(request(GET_FILE, name));
        assertEquals(0, status(), "status of the GET request");
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        while (true) {
            write(new byte[] {0});
            byte[] size = read(2, false);
            int n = (size[0] & 0xFF) | (size[1] & 0xFF) << 8;
            if (n == 0) {
                break;
            }
            file.writeBytes(read(n, false));
        }
        assertEquals(0, status(), "status after the last chunk");
        return file.toByteArray();
    }

    int framesWritten() {
        return framesWritten;
    }

    /** The client's own port: the server's channel has it as its remote port. */
    int localPort() {
        return socket.getLocalPort();
    }

    private int status() throws IOException {
        byte[] wb = read(4, false);
        assertEquals("WB", new String(wb, 0, 2, StandardCharsets.US_ASCII));
        return (wb[2] & 0xFF) | (wb[3] & 0xFF) << 8;
    }

    /** One binary frame, unmasked: the header in one write, the payload in another. */
    private void write(byte[] payload) throws IOException {
        byte[] header = payload.length < 126 ? new byte[] {(byte) 0x82, (byte) payload.length}
                : new byte[] {(byte) 0x82, 126, (byte) (payload.length >> 8), (byte) payload.length};
        out.write(header);
        out.flush();
        out.write(payload);
        out.flush();
        framesWritten++;
    }

    /** {@code n} bytes from the current frame's payload, reading the next wanted frame when it is used up. */
    private byte[] read(int n, boolean textOk) throws IOException {
        if (offset == buffered.length) {
            while (true) {
                int first = in.readUnsignedByte();
                int len = in.readUnsignedByte();
                if (len == 126) {
                    len = in.readUnsignedShort();
                }
                byte[] payload = new byte[len];
                in.readFully(payload);
                if (first == 0x82 || textOk && first == 0x81) {
                    buffered = payload;
                    offset = 0;
                    break;
                }
            }
        }
        assertTrue(buffered.length - offset >= n, "the CLI asserts a read never spans two frames");
        byte[] d = Arrays.copyOfRange(buffered, offset, offset + n);
        offset += n;
        return d;
    }

    /** The 82-byte record {@code <2sBBQLH64s}: "WA", type, flags 0, offset 0, size 0, the name. */
    private static byte[] request(int type, String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(82).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'W').put((byte) 'A').put((byte) type).put((byte) 0).putLong(0).putInt(0)
                .putShort((short) utf8.length).put(utf8);
        return b.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
