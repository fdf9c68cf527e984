package dev.webrepl.transport.client;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The handshake of webrepl_cli.py (spec §1.2): the same request bytes, in the same header order, and
 * unmasked frames afterwards. Netty's version-13 handshaker does the rest (codec swap, frame codecs).
 */
final class LegacyHandshaker extends WebSocketClientHandshaker13 {
    /** The CLI's hard-coded values; the server hashes the key as received (spec §1.4 item 2). */
    static final String HOST = "echo.websocket.org";
    static final String KEY = "foo";

    LegacyHandshaker(URI uri, int maxFramePayloadLength) {
        super(uri, WebSocketVersion.V13, null, false, EmptyHttpHeaders.INSTANCE, maxFramePayloadLength,
                false, false);
    }

    @Override
    protected FullHttpRequest newHandshakeRequest() {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
                Unpooled.EMPTY_BUFFER);
        HttpHeaders headers = request.headers();
        headers.add("Host", HOST);
        headers.add("Connection", "Upgrade");
        headers.add("Upgrade", "websocket");
        headers.add("Sec-WebSocket-Key", KEY);
        return request;
    }

    /**
     * webrepl_cli validates nothing; we still insist on a 101 with the right accept value, so that a
     * non-WebREPL server gives a clear error instead of garbage. The bytes we send are unaffected.
     */
    @Override
    protected void verify(FullHttpResponse response) {
        if (!HttpResponseStatus.SWITCHING_PROTOCOLS.equals(response.status())) {
            // With the response: it may say why (a TLS port answers a plain request with 400 and says so).
            throw new io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException(
                    "not a WebSocket server: HTTP status " + response.status(), response);
        }
        String accept = response.headers().get("Sec-WebSocket-Accept");
        if (!expectedAccept(KEY).equals(accept)) {
            throw new WebSocketHandshakeException("wrong Sec-WebSocket-Accept: " + accept);
        }
    }

    /** {@code base64(SHA1(key + GUID))}, RFC 6455 §4.2.2. */
    static String expectedAccept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1")
                    .digest((key + MAGIC_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every JDK", e);
        }
    }
}
