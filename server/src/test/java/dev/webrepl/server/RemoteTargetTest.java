package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** Every client command's address forms (issue 17 item 13): webrepl_cli's, IPv6 in brackets, ws:// and wss:// URLs. */
class RemoteTargetTest {
    @Test
    void webreplClisFormsWithAndWithoutPortAndPath() {
        assertEquals(new RemoteTarget("10.0.0.2", 8266, "/main.py"), RemoteTarget.parse("10.0.0.2:/main.py", true));
        assertEquals(new RemoteTarget("h", 9000, "/a/b.txt"), RemoteTarget.parse("h:9000:/a/b.txt", true));
        assertEquals(new RemoteTarget("h", 9000, null), RemoteTarget.parse("h:9000", false));
        assertEquals(new RemoteTarget("h", 8266, null), RemoteTarget.parse("h", false));
    }

    @Test
    void aDirectoryCommandWithoutAPathMeansTheRoot() {
        assertEquals(new RemoteTarget("h", 9000, "/"), RemoteTarget.parseDirectory("h:9000"));
        assertEquals(new RemoteTarget("h", 9000, "/"), RemoteTarget.parseDirectory("h:9000:/"));
        assertEquals(new RemoteTarget("h", 9000, "/lib"), RemoteTarget.parseDirectory("h:9000:/lib"));
    }

    @Test
    void ipv6AddressesGoInBrackets() {
        assertEquals(new RemoteTarget("::1", 8266, "/x"), RemoteTarget.parse("[::1]:8266:/x", true));
        assertEquals(new RemoteTarget("::1", 8266, null), RemoteTarget.parse("[::1]", false));
        assertEquals("[::1]:8266:/x", RemoteTarget.parse("[::1]:8266:/x", true).toString());
        assertEquals("an IPv6 address needs brackets: '[ADDRESS]:PORT', got '::1:8266'",
                assertThrows(IllegalArgumentException.class, () -> RemoteTarget.parse("::1:8266", false)).getMessage());
    }

    @Test
    void wsAndWssUrlsNameTheServerAndThePathAndWssMeansTls() {
        assertEquals(new RemoteTarget("h", 8266, "/a.py", false), RemoteTarget.parse("ws://h:8266/a.py", true));
        assertEquals(new RemoteTarget("h", 8443, "/a.py", true), RemoteTarget.parse("wss://h:8443/a.py", true));
        assertEquals(new RemoteTarget("h", 80, null, false), RemoteTarget.parse("ws://h/", false));
        assertEquals(new RemoteTarget("h", 443, null, true), RemoteTarget.parse("wss://h", false));
        assertEquals(new RemoteTarget("::1", 8266, "/", false), RemoteTarget.parseDirectory("ws://[::1]:8266/"));
        assertEquals(new RemoteTarget("h", 8266, "/", false), RemoteTarget.parseDirectory("ws://h:8266"));
        assertEquals(URI.create("wss://[::1]:8443/"), RemoteTarget.parse("wss://[::1]:8443", false).serverUri());
        assertEquals(URI.create("ws://h:8266/"), RemoteTarget.parse("h", false).serverUri());
    }

    @Test
    void mistakesAreOneLineUsageErrors() {
        assertEquals("expected HOST[:PORT]:/REMOTE or ws://HOST[:PORT]/REMOTE, got 'h:8266'",
                assertThrows(IllegalArgumentException.class, () -> RemoteTarget.parse("h:8266", true)).getMessage());
        assertEquals("expected HOST[:PORT] or ws://HOST[:PORT]/, got 'ws://h/x'",
                assertThrows(IllegalArgumentException.class, () -> RemoteTarget.parse("ws://h/x", false)).getMessage());
        assertEquals("port out of range in 'h:70000'",
                assertThrows(IllegalArgumentException.class, () -> RemoteTarget.parse("h:70000", false)).getMessage());
        assertEquals("a query or fragment is not a remote path: 'ws://h/x?y'",
                assertThrows(IllegalArgumentException.class, () -> RemoteTarget.parse("ws://h/x?y", true)).getMessage());
    }

    @Test
    void replTakesAServerOrASessionOnIt() {
        String id = "AbCdEfGhIjKlMnOpQrSt_-";
        assertEquals(new RemoteTarget("h", 9000, null), RemoteTarget.parseSession("h:9000"));
        assertEquals(new RemoteTarget("h", 8266, null), RemoteTarget.parseSession("h"));
        assertEquals(new RemoteTarget("h", 80, null), RemoteTarget.parseSession("ws://h/"));
        assertEquals(new RemoteTarget("h", 9000, "/session/" + id), RemoteTarget.parseSession("h:9000/session/" + id));
        assertEquals(new RemoteTarget("h", 8266, "/session/" + id), RemoteTarget.parseSession("h/session/" + id));
        assertEquals(new RemoteTarget("::1", 9000, "/session/node-1." + id),
                RemoteTarget.parseSession("[::1]:9000/session/node-1." + id));
        assertEquals(new RemoteTarget("h", 9000, "/session/" + id, false),
                RemoteTarget.parseSession("ws://h:9000/session/" + id));
        assertEquals(new RemoteTarget("h", 443, "/session/" + id, true), RemoteTarget.parseSession("wss://h/session/" + id));
    }

    @Test
    void replRefusesAnyOtherPath() {
        for (String bad : new String[] {"h:9000/x", "h:9000:/session/x", "ws://h:9000/session/", "h/session/a/b",
                "ws://h/session/a?mode=view", "h/session/a%2Fb"}) {
            assertEquals("expected HOST[:PORT] or HOST[:PORT]/session/ID, got '" + bad + "'",
                    assertThrows(IllegalArgumentException.class, () -> RemoteTarget.parseSession(bad)).getMessage(), bad);
        }
    }
}
