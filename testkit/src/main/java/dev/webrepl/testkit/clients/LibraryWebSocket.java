package dev.webrepl.testkit.clients;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The RFC 6455 client of the Python library a tool is built on: Thonny's {@code websockets}, mpfshell's
 * {@code websocket-client}. Both send a standard request ({@link Library}), check the 101 and its
 * {@code Sec-WebSocket-Accept}, mask every frame, answer pings with pongs, refuse text that is not
 * UTF-8 (close 1007) and read on a thread of their own. Both tools then treat the connection as a
 * serial line: every data message, text or binary, is appended to one byte stream, which the tool
 * reads with timeouts. That stream is this class's reading side; it holds at most
 * {@value #MAX_PENDING} bytes.
 */
final class LibraryWebSocket implements AutoCloseable {
    static final int MAX_PENDING = 4 << 20;
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /** The request each library sends for {@code ws://host:port/}. */
    enum Library {
        /** Python {@code websockets} (Thonny): no Origin, a permessage-deflate offer, its User-Agent. */
        WEBSOCKETS,
        /** {@code websocket-client} (mpfshell): {@code Origin: http://host:port} unless suppressed. */
        WEBSOCKET_CLIENT;

        List<String> request(String hostPort, String key) {
            return switch (this) {
                case WEBSOCKETS -> List.of("GET / HTTP/1.1", "Host: " + hostPort, "Upgrade: websocket",
                        "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13",
                        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
                        "User-Agent: Python/3.11 websockets/12.0");
                case WEBSOCKET_CLIENT -> List.of("GET / HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade",
                        "Host: " + hostPort, "Origin: http://" + hostPort, "Sec-WebSocket-Key: " + key,
                        "Sec-WebSocket-Version: 13");
            };
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SecureRandom random;
    private final Thread reader;
    private final Object lock = new Object();
    private byte[] pending = new byte[256];
    private int pendingLength;
    private String ended;

    private LibraryWebSocket(Socket socket, InputStream in, SecureRandom random) throws IOException {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
        this.random = random;
        this.reader = new Thread(this::readLoop, "websocket reader");
        reader.setDaemon(true);
    }

    /** Connects, sends {@code library}'s request, checks the answer as the library does and starts reading. */
    static LibraryWebSocket open(Library library, String host, int port, Duration bound) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), (int) bound.toMillis());
            s.setSoTimeout((int) bound.toMillis());
            SecureRandom random = new SecureRandom();
            byte[] nonce = new byte[16];
            random.nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            String request = String.join("\r\n", library.request(host + ":" + port, key)) + "\r\n\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = new BufferedInputStream(s.getInputStream());
            checkAnswer(readHead(in), key);
            // The reader waits as long as the tool does: until the socket closes.
            s.setSoTimeout(0);
            LibraryWebSocket ws = new LibraryWebSocket(s, in, random);
            ws.reader.start();
            return ws;
        } catch (IOException | RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0 || head.size() > 16384) {
                throw new AssertionError("no complete handshake answer: " + Show.bytes(head.toByteArray()));
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static void checkAnswer(String head, String key) {
        List<String> lines = head.lines().toList();
        if (!lines.get(0).startsWith("HTTP/1.1 101 ")) {
            throw new AssertionError("the library refuses the handshake: " + head);
        }
        String accept = null;
        boolean upgrade = false;
        boolean connection = false;
        for (String line : lines.subList(1, lines.size())) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            switch (name) {
                case "sec-websocket-accept" -> accept = value;
                case "upgrade" -> upgrade = value.equalsIgnoreCase("websocket");
                case "connection" -> connection = value.toLowerCase(Locale.ROOT).contains("upgrade");
                case "sec-websocket-extensions" -> throw new AssertionError(
                        "the server accepted an extension; this client does not inflate: " + head);
                default -> { }
            }
        }
        if (!upgrade || !connection || !expectedAccept(key).equals(accept)) {
            throw new AssertionError("the library refuses the handshake (Upgrade, Connection or Accept): " + head);
        }
    }

    private static String expectedAccept(String key) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- writing: one masked frame per call, as the libraries send a message ----

    void sendText(byte[] payload) throws IOException {
        send(0x81, payload);
    }

    void sendBinary(byte[] payload) throws IOException {
        send(0x82, payload);
    }

    private void send(int first, byte[] payload) throws IOException {
        byte[] mask = new byte[4];
        random.nextBytes(mask);
        ByteBuffer b = ByteBuffer.allocate(payload.length + 14);
        b.put((byte) first);
        if (payload.length < 126) {
            b.put((byte) (0x80 | payload.length));
        } else if (payload.length <= 0xFFFF) {
            b.put((byte) (0x80 | 126)).putShort((short) payload.length);
        } else {
            b.put((byte) (0x80 | 127)).putLong(payload.length);
        }
        b.put(mask);
        for (int i = 0; i < payload.length; i++) {
            b.put((byte) (payload[i] ^ mask[i & 3]));
        }
        synchronized (out) {
            out.write(b.array(), 0, b.position());
            out.flush();
        }
    }

    // ---- reading ----

    private void readLoop() {
        String why;
        try {
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            int messageOpcode = 0;
            while (true) {
                int b0 = in.read();
                int b1 = in.read();
                if (b0 < 0 || b1 < 0) {
                    why = "EOF without a close frame";
                    break;
                }
                if ((b1 & 0x80) != 0) {
                    why = "protocol error: a masked server frame";
                    break;
                }
                long len = b1 & 0x7F;
                if (len == 126) {
                    len = ByteBuffer.wrap(in.readNBytes(2)).getShort() & 0xFFFF;
                } else if (len == 127) {
                    len = ByteBuffer.wrap(in.readNBytes(8)).getLong();
                }
                if (len > MAX_PENDING) {
                    why = "a frame of " + len + " bytes";
                    break;
                }
                byte[] payload = in.readNBytes((int) len);
                if (payload.length != len) {
                    why = "EOF inside a frame";
                    break;
                }
                int opcode = b0 & 0x0F;
                if (opcode == 9) {
                    send(0x8A, payload);
                    continue;
                }
                if (opcode == 10) {
                    continue;
                }
                if (opcode == 8) {
                    int code = payload.length >= 2 ? (payload[0] & 0xFF) << 8 | (payload[1] & 0xFF) : 1005;
                    why = "close frame " + code + (payload.length > 2
                            ? " " + new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "");
                    break;
                }
                if (opcode != 0) {
                    messageOpcode = opcode;
                    message.reset();
                }
                message.writeBytes(payload);
                if ((b0 & 0x80) == 0) {
                    continue;
                }
                byte[] whole = message.toByteArray();
                message.reset();
                if (messageOpcode == 1 && !validUtf8(whole)) {
                    why = "text that is not UTF-8 (the library closes with 1007): " + Show.bytes(whole);
                    break;
                }
                if (!append(whole)) {
                    why = "more than " + MAX_PENDING + " bytes unread";
                    break;
                }
            }
        } catch (IOException e) {
            why = "read failed: " + e;
        }
        synchronized (lock) {
            ended = why;
            lock.notifyAll();
        }
    }

    private static boolean validUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private boolean append(byte[] b) {
        synchronized (lock) {
            if (pendingLength + b.length > MAX_PENDING) {
                return false;
            }
            if (pendingLength + b.length > pending.length) {
                pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + b.length));
            }
            System.arraycopy(b, 0, pending, pendingLength, b.length);
            pendingLength += b.length;
            lock.notifyAll();
            return true;
        }
    }

    private byte[] take(int n) {
        byte[] b = Arrays.copyOf(pending, n);
        System.arraycopy(pending, n, pending, 0, pendingLength - n);
        pendingLength -= n;
        return b;
    }

    /** Bytes received and not yet read. */
    int available() {
        synchronized (lock) {
            return pendingLength;
        }
    }

    /** Everything received and not yet read, without waiting. */
    byte[] takeAvailable() {
        synchronized (lock) {
            return take(pendingLength);
        }
    }

    /** Up to {@code n} bytes: waits until there are {@code n} or {@code timeout} has passed, then takes those. */
    byte[] readUpTo(int n, Duration timeout) throws InterruptedException {
        synchronized (lock) {
            awaitLocked(timeout, () -> pendingLength >= n);
            return take(Math.min(n, pendingLength));
        }
    }

    /** Whether a byte arrives within {@code timeout} (nothing is taken). */
    boolean moreWithin(Duration timeout) throws InterruptedException {
        synchronized (lock) {
            awaitLocked(timeout, () -> pendingLength > 0);
            return pendingLength > 0;
        }
    }

    /**
     * The bytes up to and including the first {@code ending}; fails after {@code timeout} with what came and
     * how the connection ended, naming {@code what} was awaited.
     */
    byte[] readThrough(byte[] ending, Duration timeout, String what) throws InterruptedException {
        synchronized (lock) {
            awaitLocked(timeout, () -> indexOf(ending) >= 0);
            int at = indexOf(ending);
            if (at < 0) {
                throw timedOut(what + " (ending " + Show.bytes(ending) + ")", timeout);
            }
            return take(at + ending.length);
        }
    }

    /** Exactly {@code n} bytes; fails after {@code timeout}, naming {@code what} was awaited. */
    byte[] readExactly(int n, Duration timeout, String what) throws InterruptedException {
        synchronized (lock) {
            awaitLocked(timeout, () -> pendingLength >= n);
            if (pendingLength < n) {
                throw timedOut(what + " (" + n + " bytes)", timeout);
            }
            return take(n);
        }
    }

    private AssertionError timedOut(String what, Duration timeout) {
        return new AssertionError("no " + what + " within " + timeout + "; received "
                + Show.bytes(pending, 0, pendingLength)
                + (ended != null ? "; the connection ended: " + ended : ""));
    }

    private int indexOf(byte[] ending) {
        outer:
        for (int i = 0; i + ending.length <= pendingLength; i++) {
            for (int j = 0; j < ending.length; j++) {
                if (pending[i + j] != ending[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private void awaitLocked(Duration timeout, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean() && ended == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
    }

    /** How the connection ended, or null while it is open. */
    String ended() {
        synchronized (lock) {
            return ended;
        }
    }

    /** Sends a close frame with 1000 (websocket-client's {@code close()}), then closes the socket. */
    void closeWithFrame() throws IOException {
        try {
            send(0x88, new byte[] {0x03, (byte) 0xE8});
        } finally {
            close();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
