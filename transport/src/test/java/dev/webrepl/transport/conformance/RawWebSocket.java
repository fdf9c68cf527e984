package dev.webrepl.transport.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * A WebSocket client made of a plain {@link Socket}: it writes exactly the bytes a test gives it, in
 * exactly as many writes, and reads the server's bytes back one by one. Every read has a timeout,
 * and a timeout fails the test: it means the server did not send what was expected.
 *
 * <p>Every server frame it parses is checked against spec §1.3/§1.4: never masked, a 7- or 16-bit
 * length (so at most 65535 bytes), and a text payload that is valid UTF-8 (DESIGN "Output").
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int READ_TIMEOUT_MS = 10_000;
    public static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    /** The exact request of webrepl_cli.py (spec §1.2). */
    public static final byte[] CLI_REQUEST = ascii("GET / HTTP/1.1\r\nHost: echo.websocket.org\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n");
    /** The reference's 101 for {@link #CLI_REQUEST} (spec §9 T1). */
    public static final byte[] CLI_RESPONSE = ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Accept: BM0S0+ghftShuFVHQATK/DBiJq8=\r\n\r\n");
    public static final byte[] PROMPT_FRAME = concat(new byte[] {(byte) 0x81, 0x0A}, ascii("Password: "));
    public static final byte[] CONNECTED_FRAME = concat(new byte[] {(byte) 0x81, 0x19}, ascii("\r\nWebREPL connected\r\n>>> "));
    public static final byte[] DENIED_FRAME = concat(new byte[] {(byte) 0x81, 0x11}, ascii("\r\nAccess denied\r\n"));
    /**
     * The one text frame right after the login frame that names the session (README "Sessions"): its
     * id is 128 random bits in URL-safe base64 without padding, 22 characters.
     */
    public static final java.util.regex.Pattern SESSION_LINE =
            java.util.regex.Pattern.compile("\r\nwebrepl: session /session/([A-Za-z0-9_-]{22})\r\n");

    /** One server frame: its first byte and its payload. */
    public record Frame(int first, byte[] payload) {
        public int opcode() {
            return first & 0x0F;
        }

        public boolean fin() {
            return (first & 0x80) != 0;
        }

        @Override
        public String toString() {
            return String.format("Frame[%02x, %d bytes: %s]", first, payload.length,
                    HEX.formatHex(payload, 0, Math.min(payload.length, 64)));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private String sessionId;
    /** The engine's own first prompt, read by a login that opens a session (null: the engine writes none). */
    private String firstPrompt;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** A TCP connection to {@code port} on loopback; nothing is sent yet. */
    public static RawWebSocket connect(int port) throws IOException {
        return connect(port, 0);
    }

    /** {@link #connect(int)} from {@code localAddress} (e.g. 127.0.0.2: another loopback address), any free port. */
    public static RawWebSocket connectFrom(int port, String localAddress) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(READ_TIMEOUT_MS);
            s.bind(new InetSocketAddress(localAddress, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
            return new RawWebSocket(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /**
     * {@link #connect(int)} with a TCP receive buffer of {@code receiveBuffer} bytes (0: the system's),
     * for a client that stops reading and should make the server's socket back up soon.
     */
    public static RawWebSocket connect(int port, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        try {
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.setTcpNoDelay(true);
            s.setSoTimeout(READ_TIMEOUT_MS);
            s.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
            return new RawWebSocket(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** The client's own port: the server's channel has it as its remote port. */
    public int localPort() {
        return socket.getLocalPort();
    }

    // ---- writing ----

    /** Sends each argument with its own write and flush, so they leave as separate TCP segments. */
    public void send(byte[]... writes) throws IOException {
        for (byte[] w : writes) {
            out.write(w);
            out.flush();
        }
    }

    /** Sends the concatenation of {@code parts} in one write (several frames in one TCP segment). */
    public void sendTogether(byte[]... parts) throws IOException {
        send(concat(parts));
    }

    // ---- reading ----

    /** Exactly {@code n} bytes; fails on timeout or EOF. */
    public byte[] readExactly(int n) throws IOException {
        byte[] buf = new byte[n];
        int got = 0;
        try {
            while (got < n) {
                int r = in.read(buf, got, n - got);
                if (r < 0) {
                    fail("EOF after " + got + " of " + n + " expected bytes: " + HEX.formatHex(buf, 0, got));
                }
                got += r;
            }
        } catch (SocketTimeoutException e) {
            fail("timed out after " + got + " of " + n + " expected bytes: " + HEX.formatHex(buf, 0, got));
        }
        return buf;
    }

    /** Reads {@code expected.length} bytes and asserts they are {@code expected}. */
    public void expect(byte[] expected) throws IOException {
        byte[] actual = readExactly(expected.length);
        assertEquals(HEX.formatHex(expected), HEX.formatHex(actual));
    }

    /** Reads and parses one server frame, checking the rules every server frame must follow. */
    public Frame readFrame() throws IOException {
        byte[] h = readExactly(2);
        assertEquals(0, h[1] & 0x80, "server frames are never masked (spec §1.3)");
        int len = h[1] & 0x7F;
        assertTrue(len != 127, "server frames never use the 64-bit length (spec §1.4 point 9)");
        if (len == 126) {
            byte[] ext = readExactly(2);
            len = ((ext[0] & 0xFF) << 8) | (ext[1] & 0xFF);
        }
        Frame f = new Frame(h[0] & 0xFF, readExactly(len));
        assertTrue(f.fin(), "server frames are never fragmented: " + f);
        if (f.opcode() == 1) {
            assertValidUtf8(f.payload());
        }
        return f;
    }

    /** Reads one frame and asserts it is a binary frame with exactly {@code payload}. */
    public void expectBinary(byte[] payload) throws IOException {
        Frame f = readFrame();
        assertEquals(2, f.opcode(), "expected a binary frame, got " + f);
        assertEquals(HEX.formatHex(payload), HEX.formatHex(f.payload()));
    }

    /**
     * Reads text frames until their payloads, concatenated, are {@code expected}; frame boundaries are
     * not significant (spec §3). Fails on any other frame, on more text than expected, or on timeout.
     */
    public void expectText(String expected) throws IOException {
        byte[] want = expected.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < want.length) {
            Frame f = readFrame();
            assertEquals(1, f.opcode(), "expected text while waiting for " + show(want) + ", got " + f
                    + " after " + show(got.toByteArray()));
            got.writeBytes(f.payload());
        }
        assertEquals(show(want), show(got.toByteArray()));
    }

    /**
     * Reads frames until the text frames concatenate to {@code expectedText} and {@code binaries}
     * binary frames have arrived, for exchanges where the two channels may interleave; returns the
     * binary payloads in order.
     */
    public java.util.List<byte[]> collect(String expectedText, int binaries) throws IOException {
        byte[] want = expectedText.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        java.util.List<byte[]> bin = new java.util.ArrayList<>();
        while (text.size() < want.length || bin.size() < binaries) {
            Frame f = readFrame();
            if (f.opcode() == 1) {
                text.writeBytes(f.payload());
                assertTrue(text.size() <= want.length, "more text than expected: " + show(text.toByteArray()));
            } else if (f.opcode() == 2) {
                bin.add(f.payload());
                assertTrue(bin.size() <= binaries, "unexpected binary frame " + f);
            } else {
                fail("unexpected frame " + f);
            }
        }
        assertEquals(show(want), show(text.toByteArray()));
        return bin;
    }

    /** Asserts the server closes TCP without sending another byte: read returns -1, or a reset. */
    public void expectEof() throws IOException {
        try {
            int b = in.read();
            assertEquals(-1, b, "expected EOF, got byte " + String.format("%02x", b));
        } catch (SocketTimeoutException e) {
            fail("the server did not close the connection");
        } catch (SocketException reset) {
            // "Connection reset" is a close too: the server dropped the connection
        }
    }

    /**
     * Skips whatever the server still sends up to the end: returns the code of its close frame, or -1
     * if TCP closed (or was reset) without one.
     */
    public int skipToClose() throws IOException {
        while (true) {
            int first;
            try {
                first = in.read();
            } catch (SocketException reset) {
                return -1;
            }
            if (first < 0) {
                return -1;
            }
            byte[] second = readExactly(1);
            int len = second[0] & 0x7F;
            if (len == 126) {
                byte[] ext = readExactly(2);
                len = ((ext[0] & 0xFF) << 8) | (ext[1] & 0xFF);
            }
            byte[] payload = readExactly(len);
            if ((first & 0x0F) == 8) {
                return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
            }
        }
    }

    /** Reads the HTTP head up to and including the blank line. */
    public String readHttpHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            head.writeBytes(readExactly(1));
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    // ---- whole exchanges ----

    /** The webrepl_cli handshake; asserts the exact 101 and the password prompt (T1). */
    public RawWebSocket handshake() throws IOException {
        return handshake("/");
    }

    /** The webrepl_cli handshake on {@code path} (e.g. {@code /session/<id>?mode=view}); same 101 and prompt. */
    public RawWebSocket handshake(String path) throws IOException {
        send(request(path));
        expect(CLI_RESPONSE);
        expect(PROMPT_FRAME);
        return this;
    }

    /** webrepl_cli's request, for {@code path} instead of {@code /}. */
    public static byte[] request(String path) {
        return ascii("GET " + path + " HTTP/1.1\r\nHost: echo.websocket.org\r\nConnection: Upgrade\r\n"
                + "Upgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n");
    }

    /**
     * Reads one frame and asserts it is exactly the session line (one text frame of its own); returns
     * the session id.
     */
    public String expectSessionLine() throws IOException {
        Frame f = readFrame();
        assertEquals(1, f.opcode(), "expected the session line, got " + f);
        java.util.regex.Matcher m = SESSION_LINE.matcher(new String(f.payload(), StandardCharsets.ISO_8859_1));
        assertTrue(m.matches(), "expected the session line, got " + show(f.payload()));
        sessionId = m.group(1);
        return sessionId;
    }

    /** The id from the last session line read, or null. */
    public String sessionId() {
        return sessionId;
    }

    /** Reads one frame and asserts it is a close frame with {@code code}; returns its reason. */
    public String expectClose(int code) throws IOException {
        Frame f = readFrame();
        assertEquals(8, f.opcode(), "expected a close frame, got " + f);
        assertTrue(f.payload().length >= 2, "close frame without a status code: " + f);
        assertEquals(code, ((f.payload()[0] & 0xFF) << 8) | (f.payload()[1] & 0xFF), "close code of " + f);
        return new String(f.payload(), 2, f.payload().length - 2, StandardCharsets.UTF_8);
    }

    /**
     * Reads frames up to a close frame: the text frames, concatenated, must be {@code expectedText}
     * and the close code {@code code}; then the TCP close follows.
     */
    public void expectTextThenClose(String expectedText, int code) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        while (true) {
            Frame f = readFrame();
            if (f.opcode() == 8) {
                assertEquals(show(expectedText.getBytes(StandardCharsets.UTF_8)), show(text.toByteArray()),
                        "text before the close frame");
                assertTrue(f.payload().length >= 2, "close frame without a status code: " + f);
                assertEquals(code, ((f.payload()[0] & 0xFF) << 8) | (f.payload()[1] & 0xFF), "close code of " + f);
                expectEof();
                return;
            }
            assertEquals(1, f.opcode(), "expected text or close, got " + f + " after " + show(text.toByteArray()));
            text.writeBytes(f.payload());
        }
    }

    /**
     * A refused terminal (spec'd by {@code TerminalRefusedException}): the login frame, then
     * {@code \r\n<message>\r\n} as text, then a close frame with {@code code}, then the TCP close.
     */
    public void expectRefusal(String message, int code) throws IOException {
        expect(CONNECTED_FRAME);
        expectText("\r\n" + message + "\r\n");
        expectClose(code);
        expectEof();
    }

    /** {@link #handshake()}, then the CLI's password frame; asserts the login reply (T4). */
    public RawWebSocket login(String password) throws IOException {
        return login("/", password);
    }

    /**
     * {@link #handshake(String)} on {@code path}, the CLI's password frame, the login reply (T4) and
     * the session line (README "Sessions"), whose id {@link #sessionId()} then returns.
     */
    public RawWebSocket login(String path, String password) throws IOException {
        handshake(path);
        send(frame(0x82, ascii(password + "\r")));
        expect(CONNECTED_FRAME);
        expectSessionLine();
        if (firstPrompt != null && !path.startsWith("/session/")) {
            expectText(firstPrompt);
        }
        return this;
    }

    /**
     * A login that opens a session also reads the engine's first prompt, {@code prompt}, exactly (a
     * line-discipline engine writes it at start, README "Sessions"); null for engines without one.
     */
    public RawWebSocket expectingFirstPrompt(String prompt) {
        firstPrompt = prompt;
        return this;
    }

    /** Closes the socket with a TCP reset ({@code SO_LINGER 0}) instead of a FIN: a client that crashed. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Half-closes: a FIN goes to the server, and this side could still read. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Closes the socket abruptly, as webrepl_cli does (no close frame). */
    @Override
    public void close() throws IOException {
        socket.close();
    }

    // ---- building client frames ----

    /** An unmasked frame (webrepl_cli style), 7- or 16-bit length. */
    public static byte[] frame(int first, byte[] payload) {
        return build(first, payload, null);
    }

    /** A masked frame (browser style) with the given 4-byte mask. */
    public static byte[] masked(int first, byte[] payload, byte[] mask) {
        return build(first, payload, mask);
    }

    /** A masked frame with the mask 01 02 03 04. */
    public static byte[] masked(int first, byte[] payload) {
        return masked(first, payload, new byte[] {1, 2, 3, 4});
    }

    private static byte[] build(int first, byte[] payload, byte[] mask) {
        ByteBuffer b = ByteBuffer.allocate(payload.length + 14);
        b.put((byte) first);
        int maskBit = mask == null ? 0 : 0x80;
        if (payload.length < 126) {
            b.put((byte) (maskBit | payload.length));
        } else if (payload.length <= 0xFFFF) {
            b.put((byte) (maskBit | 126)).putShort((short) payload.length);
        } else {
            b.put((byte) (maskBit | 127)).putLong(payload.length);
        }
        if (mask != null) {
            b.put(mask);
            for (int i = 0; i < payload.length; i++) {
                b.put((byte) (payload[i] ^ mask[i & 3]));
            }
        } else {
            b.put(payload);
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    // ---- bytes ----

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    public static byte[] hex(String spaced) {
        return HexFormat.of().parseHex(spaced.replace(" ", ""));
    }

    public static void assertValidUtf8(byte[] payload) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload));
        } catch (CharacterCodingException e) {
            fail("text frame payload is not valid UTF-8: " + HEX.formatHex(payload));
        }
    }

    /** Printable form for assertion messages: ASCII kept, everything else as \xNN. */
    public static String show(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.toString();
    }
}
