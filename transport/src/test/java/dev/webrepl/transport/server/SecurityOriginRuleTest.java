package dev.webrepl.transport.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link WebReplServer#originAllowed}: the Origin rule of README "Security". */
class SecurityOriginRuleTest {
    private static final List<String> NONE = List.of();

    @Test
    void noOriginIsAllowedForCliClients() {
        assertTrue(WebReplServer.originAllowed(null, "echo.websocket.org", false, NONE));
        assertTrue(WebReplServer.originAllowed(null, null, false, NONE));
    }

    @Test
    void theServersOwnHostAndPortAreAllowed() {
        assertTrue(WebReplServer.originAllowed("http://127.0.0.1:8266", "127.0.0.1:8266", false, NONE));
        assertTrue(WebReplServer.originAllowed("HTTP://Repl.Example:8266", "repl.example:8266", false, NONE));
        assertTrue(WebReplServer.originAllowed("https://repl.example", "repl.example:443", true, NONE));
        assertTrue(WebReplServer.originAllowed("https://repl.example", "repl.example", false, NONE),
                "a TLS proxy in front of plain ws still counts as same-origin");
    }

    @Test
    void anythingElseIsRefused() {
        assertFalse(WebReplServer.originAllowed("http://evil.example", "127.0.0.1:8266", false, NONE));
        assertFalse(WebReplServer.originAllowed("http://127.0.0.1:9999", "127.0.0.1:8266", false, NONE));
        assertFalse(WebReplServer.originAllowed("null", "127.0.0.1:8266", false, NONE));
        assertFalse(WebReplServer.originAllowed("file://127.0.0.1:8266", "127.0.0.1:8266", false, NONE));
        assertFalse(WebReplServer.originAllowed("http://127.0.0.1:8266", null, false, NONE));
    }

    @Test
    void configuredOriginsAreAllowedExactly() {
        List<String> allowed = List.of("https://ide.example");
        assertTrue(WebReplServer.originAllowed("https://IDE.example", "127.0.0.1:8266", false, allowed));
        assertFalse(WebReplServer.originAllowed("https://ide.example.evil", "127.0.0.1:8266", false, allowed));
    }
}
