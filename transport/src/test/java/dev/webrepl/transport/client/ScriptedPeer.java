package dev.webrepl.transport.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A raw loopback socket standing in for a server in wire tests: it accepts one standard-mode
 * client, answers its handshake and password, then lets the test read the client's frames
 * (unmasked) and write server frames byte for byte.
 */
final class ScriptedPeer implements AutoCloseable {
    static final int BINARY = 2;

    /** One frame from the client, payload unmasked. */
    record Frame(int opcode, byte[] payload) {
    }

    private final ServerSocket listener;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    ScriptedPeer() throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        listener.setSoTimeout(30_000);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Accepts the client, completes the handshake and the password stage with the stock answers. */
    void acceptAndLogIn() throws IOException {
        socket = listener.accept();
        socket.setSoTimeout(30_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        String head = readHead();
        Matcher key = Pattern.compile("(?i)\r\nsec-websocket-key: *([^\r]+)\r\n").matcher(head);
        if (!key.find()) {
            throw new IOException("no Sec-WebSocket-Key in " + head);
        }
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept(key.group(1)) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(frame(0x81, "Password: ".getBytes(StandardCharsets.US_ASCII)));
        out.flush();
        Frame password = readFrame();
        assertEquals(1, password.opcode(), "the password is a text frame in standard mode");
        out.write(frame(0x81, "\r\nWebREPL connected\r\n>>> ".getBytes(StandardCharsets.US_ASCII)));
        out.flush();
    }

    /** The next frame the client sent. */
    Frame readFrame() throws IOException {
        int b0 = readByte();
        int b1 = readByte();
        long length = b1 & 0x7F;
        if (length == 126) {
            length = ((long) readByte() << 8) | readByte();
        } else if (length == 127) {
            length = ByteBuffer.wrap(readExactly(8)).getLong();
        }
        byte[] mask = (b1 & 0x80) != 0 ? readExactly(4) : null;
        byte[] payload = readExactly((int) length);
        if (mask != null) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i % 4];
            }
        }
        assertEquals(0x80, b0 & 0x80, "unfragmented");
        return new Frame(b0 & 0x0F, payload);
    }

    /** The payload of the next frame, which must be binary. */
    byte[] readBinary() throws IOException {
        Frame f = readFrame();
        assertEquals(BINARY, f.opcode(), "a binary frame");
        return f.payload();
    }

    /** Sends each payload as one binary frame, in one write. */
    void sendBinary(byte[]... payloads) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : payloads) {
            all.writeBytes(frame(0x82, p));
        }
        out.write(all.toByteArray());
        out.flush();
    }

    /** {@code WB} + u16 LE status. */
    static byte[] status(int code) {
        return new byte[] {'W', 'B', (byte) code, (byte) (code >> 8)};
    }

    /** A GET/LIST chunk: u16 LE length, then the bytes. */
    static byte[] chunk(byte[] data) {
        return ByteBuffer.allocate(2 + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) data.length).put(data).array();
    }

    private static byte[] frame(int b0, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(b0);
        if (payload.length < 126) {
            f.write(payload.length);
        } else {
            f.write(126);
            f.write(payload.length >> 8);
            f.write(payload.length & 0xFF);
        }
        f.writeBytes(payload);
        return f.toByteArray();
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new IOException("EOF from the client");
        }
        return b;
    }

    private byte[] readExactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("EOF after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            head.write(readByte());
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static String accept(String key) throws IOException {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return java.util.Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        try (listener) {
            if (socket != null) {
                socket.close();
            }
        }
    }
}
