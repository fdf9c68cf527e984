package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.RawWebSocket.CLI_REQUEST;
import static dev.webrepl.transport.conformance.RawWebSocket.CLI_RESPONSE;
import static dev.webrepl.transport.conformance.RawWebSocket.PROMPT_FRAME;
import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.core.protocol.ConnectionRecorder;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * README "Security", DNS rebinding: a request with an Origin must name a Host the server answers to
 * (loopback names, its bound address, --allowed-host); without an Origin any Host goes (spec §1.2).
 */
class DnsRebindingTest extends ServerTestBase {
    private static final String PUBLIC_NAME = "repl.example";

    private final AtomicInteger hostRefusals = new AtomicInteger();

    @Override
    protected ServerOptions configure(ServerOptions options) {
        return options.withSecurity(options.security().withAllowedHosts(List.of(PUBLIC_NAME, "ide.example:8443")))
                .withRecorder(new ConnectionRecorder() {
                    @Override
                    public void refused(String reason) {
                        if (reason.equals("host")) {
                            hostRefusals.incrementAndGet();
                        }
                    }
                });
    }

    private static byte[] upgrade(String path, String host, String origin) {
        return ascii("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                + (origin == null ? "" : "Origin: " + origin + "\r\n")
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n");
    }

    private void expectUpgraded(String host, String origin) throws IOException {
        RawWebSocket c = connect();
        c.send(upgrade("/", host, origin));
        c.expect(CLI_RESPONSE);
        c.expect(PROMPT_FRAME);
    }

    private void expectRefused(byte[] request) throws IOException {
        RawWebSocket c = connect();
        c.send(request);
        String head = c.readHttpHead();
        assertEquals("HTTP/1.1 403 Forbidden", head.lines().findFirst().orElseThrow(), head);
        assertEquals("host not allowed\n", new String(c.readExactly(17), StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("a page whose name was re-pointed at this machine (Host and Origin agree on it) gets 403, counted")
    void aRebindingUpgradeGets403() throws IOException {
        String host = "attacker.example:" + server.port();
        expectRefused(upgrade("/", host, "http://" + host));
        expectRefused(upgrade("/session/AAAAAAAAAAAAAAAAAAAAAA", host, "http://" + host));
        assertEquals(2, hostRefusals.get());
        assertEquals(0, server.openConnections());
    }

    @Test
    @DisplayName("same-origin through 127.0.0.1, localhost and [::1]-style loopback names is accepted")
    void sameOriginThroughLoopbackNamesIsAccepted() throws IOException {
        for (String host : List.of("127.0.0.1:" + server.port(), "localhost:" + server.port(), "LocalHost",
                "127.0.0.2:" + server.port(), "localhost:9000")) {
            expectUpgraded(host, "http://" + host);
        }
        assertEquals(0, hostRefusals.get());
    }

    @Test
    @DisplayName("--allowed-host NAME passes with any port, NAME:PORT with that port only")
    void allowedHostsAreAccepted() throws IOException {
        expectUpgraded(PUBLIC_NAME, "https://" + PUBLIC_NAME);
        expectUpgraded(PUBLIC_NAME + ":8080", "http://" + PUBLIC_NAME + ":8080");
        expectUpgraded("ide.example:8443", "https://ide.example:8443");
        expectRefused(upgrade("/", "ide.example:9443", "https://ide.example:9443"));
        expectRefused(upgrade("/", "sub." + PUBLIC_NAME, "https://sub." + PUBLIC_NAME));
        assertEquals(2, hostRefusals.get());
    }

    @Test
    @DisplayName("without an Origin any Host goes: webrepl_cli's Host: echo.websocket.org logs in")
    void noOriginWithAnyHostIsAccepted() throws IOException {
        RawWebSocket c = connect();
        c.send(CLI_REQUEST);
        c.expect(CLI_RESPONSE);
        c.expect(PROMPT_FRAME);
        expectUpgraded("attacker.example", null);
        assertEquals(0, hostRefusals.get());
    }

    @Test
    @DisplayName("a browser request for the page or an asset with an Origin and a foreign Host gets 403")
    void pagesAndAssetsFollowTheSameRule() throws IOException {
        for (String path : List.of("/", "/session/AAAAAAAAAAAAAAAAAAAAAA", "/assets/webrepl.js")) {
            expectRefused(ascii("GET " + path + " HTTP/1.1\r\nHost: attacker.example\r\n"
                    + "Origin: http://attacker.example\r\n\r\n"));
            RawWebSocket c = connect();
            c.send(ascii("GET " + path + " HTTP/1.1\r\nHost: attacker.example\r\n\r\n"));
            String head = c.readHttpHead();
            assertEquals("HTTP/1.1 200 OK", head.lines().findFirst().orElseThrow(), path + " without Origin (T3)");
        }
        assertEquals(3, hostRefusals.get());
    }

    @Test
    @DisplayName("a missing or malformed Host with an Origin gets 403")
    void aMissingOrMalformedHostWithAnOriginGets403() throws IOException {
        expectRefused(ascii("GET / HTTP/1.1\r\nOrigin: http://127.0.0.1\r\nConnection: Upgrade\r\n"
                + "Upgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n"));
        expectRefused(upgrade("/", "127.0.0.1,attacker.example", "http://127.0.0.1"));
        expectRefused(upgrade("/", "127.0.0.1/attacker.example", "http://127.0.0.1"));
        expectRefused(upgrade("/", "127.0.0.1:99999", "http://127.0.0.1:99999"));
        // Two Host headers (or two Origins): which one a check reads is a guess, so neither is trusted.
        expectRefused(ascii("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: attacker.example\r\nOrigin: http://127.0.0.1\r\n"
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n"));
        expectRefused(ascii("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1\r\nOrigin: http://attacker.example\r\n"
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n"));
        assertEquals(6, hostRefusals.get());
    }
}
