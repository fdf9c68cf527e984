package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The HTTP side of spec §1 and §9 T1–T3, on real sockets. */
class HandshakeConformanceTest extends ServerTestBase {

    @Test
    @DisplayName("T1: the webrepl_cli request (no version, key 'foo') gets the reference's exact 101 and the prompt")
    void cliHandshakeGetsExact101AndPrompt() throws Exception {
        RawWebSocket c = connect();
        c.send(RawWebSocket.CLI_REQUEST);
        c.expect(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: BM0S0+ghftShuFVHQATK/DBiJq8=\r\n\r\n"));
        c.expect(RawWebSocket.hex("81 0A 50 61 73 73 77 6F 72 64 3A 20"));
    }

    @Test
    @DisplayName("T2: a browser request with a deflate offer gets the exact 101 without extensions, then the prompt")
    void browserHandshakeRefusesDeflateAndGetsExact101() throws Exception {
        RawWebSocket c = connect();
        int port = server.port();
        c.send(ascii("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:" + port + "\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"));
        // Exact bytes: this also proves there is no Sec-WebSocket-Extensions (or any other) header.
        c.expect(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));
        c.expect(RawWebSocket.PROMPT_FRAME);
    }

    @Test
    @DisplayName("T2: after the browser handshake, the masked browser login works")
    void browserHandshakeThenMaskedLogin() throws Exception {
        RawWebSocket c = connect();
        c.send(ascii("GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Origin: http://localhost\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"));
        String head = c.readHttpHead();
        assertTrue(head.startsWith("HTTP/1.1 101 "), head);
        c.expect(RawWebSocket.PROMPT_FRAME);
        c.send(RawWebSocket.hex("81 87 01 02 03 04 72 67 60 76 64 76 0E"));
        c.expect(RawWebSocket.CONNECTED_FRAME);
        c.expectSessionLine();
    }

    @Test
    @DisplayName("T3: a plain GET / gets 200 with an HTML page")
    void plainGetServesHtmlPage() throws Exception {
        RawWebSocket c = connect();
        c.send(ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        String head = c.readHttpHead();
        assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
        String lower = head.toLowerCase(java.util.Locale.ROOT);
        assertTrue(lower.contains("\r\ncontent-type: text/html"), head);
        int length = contentLength(head);
        String body = new String(c.readExactly(length), StandardCharsets.UTF_8);
        assertTrue(body.startsWith("<!DOCTYPE html>"), body);
        assertTrue(body.contains("</html>"), body);
    }

    @Test
    @DisplayName("T3: after a plain GET the server keeps serving: a new CLI client still logs in")
    void plainGetThenServerKeepsServing() throws Exception {
        RawWebSocket page = connect();
        page.send(ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        String head = page.readHttpHead();
        assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
        page.readExactly(contentLength(head));
        page.close();

        loggedIn();
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        throw new AssertionError("no content-length in " + head);
    }

    @Test
    @DisplayName("T1: the handshake bytes and the prompt may arrive in one TCP read; both are exact")
    void handshakeAndPromptBytesAreContiguous() throws Exception {
        RawWebSocket c = connect();
        c.send(RawWebSocket.CLI_REQUEST);
        byte[] all = c.readExactly(RawWebSocket.CLI_RESPONSE.length + RawWebSocket.PROMPT_FRAME.length);
        assertEquals(RawWebSocket.show(RawWebSocket.concat(RawWebSocket.CLI_RESPONSE, RawWebSocket.PROMPT_FRAME)),
                RawWebSocket.show(all));
    }
}
