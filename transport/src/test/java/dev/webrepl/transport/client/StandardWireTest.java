package dev.webrepl.transport.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Standard mode on the wire, against a scripted peer: an RFC 6455 request and masked frames. */
@Timeout(60)
class StandardWireTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void standardModeSendsVersion13AndMasksThePasswordTextFrame() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             WebReplClient client = WebReplClient.newBuilder().wireMode(WireMode.STANDARD).build()) {
            listener.setSoTimeout(30_000);
            CompletableFuture<ReplConnection> connecting = client.connect("127.0.0.1", listener.getLocalPort());
            try (Socket s = listener.accept()) {
                s.setSoTimeout(30_000);
                String head = readHead(s.getInputStream());
                assertTrue(head.startsWith("GET / HTTP/1.1\r\n"), head);
                assertTrue(head.toLowerCase().contains("\r\nsec-websocket-version: 13\r\n"), head);
                Matcher key = Pattern.compile("(?i)\r\nsec-websocket-key: *([^\r]+)\r\n").matcher(head);
                assertTrue(key.find(), head);
                assertEquals(16, Base64.getDecoder().decode(key.group(1)).length, "a random 16-byte nonce");
                s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept(key.group(1)) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(HEX.parseHex("810a50617373776f72643a20"));
                try (ReplConnection c = connecting.join()) {
                    c.login("secret");
                    InputStream in = s.getInputStream();
                    byte[] h = in.readNBytes(2);
                    assertEquals(0x81, h[0] & 0xFF, "a text frame, FIN set");
                    assertEquals(0x80, h[1] & 0x80, "masked, as RFC 6455 requires of clients");
                    assertEquals(7, h[1] & 0x7F);
                    byte[] mask = in.readNBytes(4);
                    byte[] payload = in.readNBytes(7);
                    for (int i = 0; i < payload.length; i++) {
                        payload[i] ^= mask[i % 4];
                    }
                    assertEquals("secret\r", new String(payload, StandardCharsets.US_ASCII));
                }
            }
        }
    }

    private static String accept(String key) throws NoSuchAlgorithmException {
        byte[] sha1 = MessageDigest.getInstance("SHA-1")
                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(sha1);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("EOF inside the request head");
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
