package dev.webrepl.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket terminal on a plain socket with a small receive buffer that logs in, reads up to
 * its session line and then reads nothing more: a slow consumer, as the server sees one.
 */
final class StalledTerminal implements AutoCloseable {
    private static final byte[] MASK = {0x11, 0x22, 0x33, 0x44};
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private StalledTerminal(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code /} on loopback, logs in and returns once the session line has arrived. */
    static StalledTerminal login(int port, String password) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);  // before connect, so that the window stays small
        s.setSoTimeout(10_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        StalledTerminal t = new StalledTerminal(s);
        try {
            t.out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            t.readHead();
            t.sendText((password + "\r").getBytes(StandardCharsets.UTF_8));
            StringBuilder text = new StringBuilder();
            while (text.indexOf("webrepl: session /session/") < 0 || !text.toString().endsWith("\r\n")) {
                text.append(new String(t.readTextFrame(), StandardCharsets.UTF_8));
                if (text.indexOf("Access denied") >= 0) {
                    throw new AssertionError("login refused");
                }
            }
            return t;
        } catch (IOException | RuntimeException | AssertionError e) {
            s.close();
            throw e;
        }
    }

    private void readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed during the handshake");
            }
            head.write(b);
        }
        if (!head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101 ")) {
            throw new IOException("no upgrade: " + head.toString(StandardCharsets.US_ASCII));
        }
    }

    /** One masked text frame (payload under 126 bytes). */
    void sendText(byte[] payload) throws IOException {
        if (payload.length > 125) {
            throw new IllegalArgumentException("short frames only");
        }
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(MASK, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ MASK[i % 4]);
        }
        out.write(frame);
        out.flush();
    }

    private byte[] readTextFrame() throws IOException {
        int first = readByte();
        int len = readByte() & 0x7F;
        if (len == 126) {
            len = (readByte() << 8) | readByte();
        } else if (len == 127) {
            throw new IOException("unexpected 64-bit frame length");
        }
        byte[] payload = in.readNBytes(len);
        if (payload.length != len) {
            throw new IOException("connection closed in a frame");
        }
        if ((first & 0x0F) != 1) {
            throw new IOException("expected a text frame, got opcode " + (first & 0x0F));
        }
        return payload;
    }

    /** What a terminal got up to its close frame: the text, and the close code (-1: TCP closed without one). */
    record Ending(String text, int code) {
    }

    /** Reads everything up to the close frame, or to the end of the stream. */
    Ending readToClose() throws IOException {
        StringBuilder text = new StringBuilder();
        while (true) {
            int first = in.read();
            if (first < 0) {
                return new Ending(text.toString(), -1);
            }
            int len = readByte() & 0x7F;
            if (len == 126) {
                len = (readByte() << 8) | readByte();
            }
            byte[] payload = in.readNBytes(len);
            if ((first & 0x0F) == 8) {
                return new Ending(text.toString(), payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF));
            }
            if ((first & 0x0F) == 1) {
                text.append(new String(payload, StandardCharsets.UTF_8));
            }
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new IOException("connection closed");
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
