package dev.webrepl.transport.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link AllowedHosts}: which Host names a browser request may carry (README "Security", DNS rebinding). */
class AllowedHostsTest {
    private static final AllowedHosts LOOPBACK = AllowedHosts.of("127.0.0.1", List.of());

    @Test
    void loopbackNamesPassWithAnyPortOrNone() {
        for (String host : List.of("localhost", "localhost:8266", "LOCALHOST:1", "localhost.", "127.0.0.1",
                "127.0.0.1:8266", "127.1.2.3:80", "[::1]", "[::1]:8266", "[0:0:0:0:0:0:0:1]:8266", "localhost:")) {
            assertTrue(LOOPBACK.allows(host), host);
        }
    }

    @Test
    void otherNamesAndMalformedHostsAreRefused() {
        for (String host : Arrays.asList(null, "", "attacker.example", "attacker.example:8266", "localhost.attacker.example",
                "127.0.0.1.attacker.example", "10.0.0.1", "256.0.0.1", "127.0.0.1:99999", "127.0.0.1:x",
                "[::1", "[::1]x", "::1", "user@localhost", "localhost/", "local host", "[fe80::1%25eth0]",
                "0.0.0.0")) {
            assertFalse(LOOPBACK.allows(host), String.valueOf(host));
        }
    }

    @Test
    void allowedNamesPassWithAnyPortAndNamesWithAPortOnlyWithIt() {
        AllowedHosts hosts = AllowedHosts.of("127.0.0.1", List.of("Repl.Example", "ide.example:8443", "[2001:db8::1]"));
        assertTrue(hosts.allows("repl.example"));
        assertTrue(hosts.allows("REPL.example:443"));
        assertTrue(hosts.allows("ide.example:8443"));
        assertFalse(hosts.allows("ide.example"));
        assertFalse(hosts.allows("ide.example:443"));
        assertTrue(hosts.allows("[2001:db8::1]:8266"));
        assertFalse(hosts.allows("sub.repl.example"));
    }

    @Test
    void theBoundAddressOrNamePasses() {
        assertTrue(AllowedHosts.of("192.0.2.7", List.of()).allows("192.0.2.7:8266"));
        assertFalse(AllowedHosts.of("192.0.2.7", List.of()).allows("192.0.2.8:8266"));
        assertTrue(AllowedHosts.of("repl.lan", List.of()).allows("repl.lan:8266"));
        assertTrue(AllowedHosts.of("2001:db8::7", List.of()).allows("[2001:db8::7]:8266"));
    }

    @Test
    void boundToAllEveryAddressOfThisMachinePassesAndNoOther() throws Exception {
        AllowedHosts all = AllowedHosts.of("0.0.0.0", List.of());
        AllowedHosts allV6 = AllowedHosts.of("::", List.of());
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a.getHostAddress().contains("%")) {
                    continue;   // a scoped (link-local) address cannot be written in a Host header
                }
                String host = a.getAddress().length == 4 ? a.getHostAddress() : "[" + a.getHostAddress() + "]";
                assertTrue(all.allows(host + ":8266"), host);
                assertTrue(allV6.allows(host), host);
            }
        }
        assertFalse(all.allows("192.0.2.200:8266"), "TEST-NET-1 is nobody's address");
        assertFalse(all.allows("attacker.example:8266"));
    }

    @Test
    void anAllowedHostThatIsNotAHostIsRefused() {
        for (String bad : List.of("https://repl.example", "repl.example/", "", "repl example", "2001:db8::1",
                "repl.example:port")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SecurityOptions.DEFAULTS.withAllowedHosts(List.of(bad)), bad);
            assertTrue(e.getMessage().startsWith("not a host name or NAME:PORT: '" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void aHostHeaderIsSplitIntoNameAndPort() {
        assertEquals(new AllowedHosts.Authority("repl.example", "8266"), AllowedHosts.parse(" Repl.Example.:8266 "));
        assertEquals(new AllowedHosts.Authority("[::1]", null), AllowedHosts.parse("[::1]"));
        assertNull(AllowedHosts.parse("a:b:c"));
    }
}
