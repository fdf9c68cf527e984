package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.masked;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client's protocol error gets an answer that says what was wrong, never a silent TCP close: a
 * close code a client may not send (RFC 6455 §7.4) is answered with close 1002 and a reason, and an
 * upgrade without {@code Sec-WebSocket-Key} with {@code 400} and a reason.
 */
class ProtocolErrorAnswerTest extends ServerTestBase {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
    void aCloseCodeAClientMayNotSendIsAnsweredWith1002(int code) throws Exception {
        RawWebSocket c = connect();
        c.handshake();
        c.send(masked(0x88, new byte[] {(byte) (code >>> 8), (byte) code}));
        byte[] reason = ascii("invalid close code " + code);
        c.expect(RawWebSocket.concat(new byte[] {(byte) 0x88, (byte) (2 + reason.length), 0x03, (byte) 0xEA}, reason));
        c.expectEof();
    }

    @Test
    void aCloseBodyOfOneByteIsAnsweredWith1002() throws Exception {
        RawWebSocket c = connect();
        c.handshake();
        c.send(masked(0x88, new byte[] {3}));
        assertEquals("received close control frame with payload len 1", c.expectClose(1002));
        c.expectEof();
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1003, 1007, 1014, 3000, 4999})
    void anAllowedCloseCodeIsEchoed(int code) throws Exception {
        RawWebSocket c = connect();
        c.handshake();
        c.send(masked(0x88, new byte[] {(byte) (code >>> 8), (byte) code}));
        c.expect(new byte[] {(byte) 0x88, 2, (byte) (code >>> 8), (byte) code});
        c.expectEof();
    }

    @Test
    void anUpgradeWithoutSecWebSocketKeyGets400WithTheReason() throws Exception {
        RawWebSocket c = connect();
        c.send(ascii("GET / HTTP/1.1\r\nHost: echo.websocket.org\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"));
        String body = "missing Sec-WebSocket-Key\n";
        c.expect(ascii("HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n"
                + "content-length: " + body.length() + "\r\ncache-control: no-store\r\nconnection: close\r\n\r\n"
                + body));
        c.expectEof();
    }
}
