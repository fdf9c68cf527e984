package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.RawWebSocket.CLI_RESPONSE;
import static dev.webrepl.transport.conformance.RawWebSocket.PROMPT_FRAME;
import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #16 point 2: MicroPython's official page opens its WebSocket with {@code Origin: null} (a copy
 * opened from disk) or {@code Origin: http://micropython.org} (the hosted copy); both get the prompt
 * by default, another site's origin still gets 403, and a strict server refuses the page's too.
 */
class OfficialPageOriginTest extends ServerTestBase {
    private byte[] pageUpgrade(String origin) {
        // What a browser sends for new WebSocket("ws://127.0.0.1:PORT/") from that page.
        return ascii("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nOrigin: " + origin + "\r\n"
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    }

    private void expectPrompt(String origin) throws IOException {
        RawWebSocket c = connect();
        c.send(pageUpgrade(origin));
        assertEquals("HTTP/1.1 101 Switching Protocols", c.readHttpHead().lines().findFirst().orElseThrow());
        c.expect(PROMPT_FRAME);
    }

    private void expectOriginRefused(String origin) throws IOException {
        RawWebSocket c = connect();
        c.send(pageUpgrade(origin));
        String head = c.readHttpHead();
        assertEquals("HTTP/1.1 403 Forbidden", head.lines().findFirst().orElseThrow(), head);
        assertEquals("origin not allowed\n", new String(c.readExactly(19), StandardCharsets.UTF_8));
    }

    @Test
    void theOfficialPageFromDiskOrFromMicropythonOrgGetsThePrompt() throws IOException {
        expectPrompt("null");
        // Chromium's Origin for a page opened from disk (seen with the real webrepl.html).
        expectPrompt("file://");
        expectPrompt("http://micropython.org");
        expectOriginRefused("http://evil.example");
        expectOriginRefused("file://evil.example");
        expectOriginRefused("https://micropython.org.evil.example");
    }

    @Test
    void aStrictServerRefusesThem() throws IOException {
        restartWith(o -> o.withSecurity(o.security().withAllowedOrigins(List.of())));
        expectOriginRefused("null");
        expectOriginRefused("file://");
        expectOriginRefused("http://micropython.org");
        // Clients without an Origin (webrepl_cli, Thonny) are not browsers: unaffected.
        RawWebSocket c = connect();
        c.send(RawWebSocket.CLI_REQUEST);
        c.expect(CLI_RESPONSE);
        c.expect(PROMPT_FRAME);
    }
}
