package dev.webrepl.transport.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** The per-address bounds count an IPv6 client by its /64, an IPv4 client by its address. */
class AddressKeyTest {
    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }

    @Test
    void anIpv6ClientCountsAsItsSlash64() throws UnknownHostException {
        assertEquals(ip("2001:db8:1:2::"), AddressKey.of(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        assertEquals(AddressKey.of(ip("2001:db8:1:2::1")), AddressKey.of(ip("2001:db8:1:2:ffff::7")));
        assertNotEquals(AddressKey.of(ip("2001:db8:1:2::1")), AddressKey.of(ip("2001:db8:1:3::1")));
    }

    @Test
    void ipv4AndLoopbackAddressesCountAsThemselves() throws UnknownHostException {
        assertEquals(ip("203.0.113.7"), AddressKey.of(ip("203.0.113.7")));
        assertNotEquals(AddressKey.of(ip("127.0.0.1")), AddressKey.of(ip("127.0.0.2")));
        assertEquals(ip("::1"), AddressKey.of(ip("::1")));
        // An IPv4-mapped IPv6 address is an IPv4 address to the JDK already.
        assertEquals(ip("198.51.100.1"), AddressKey.of(ip("::ffff:198.51.100.1")));
    }
}
