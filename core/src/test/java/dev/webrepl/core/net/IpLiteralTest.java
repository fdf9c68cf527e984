package dev.webrepl.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Host names that are IP literals become addresses; everything else is null, never looked up. */
class IpLiteralTest {
    @Test
    void literalsAreParsedAndNamesAreNot() throws Exception {
        assertEquals(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), IpLiteral.parse("127.0.0.1"));
        assertEquals(InetAddress.getByName("::1"), IpLiteral.parse("[::1]"));
        // Out-of-range octets would make InetAddress.getByName try a name lookup: null instead.
        assertNull(IpLiteral.parse("300.1.1.1"));
        assertNull(IpLiteral.parse("1.2.3"));
        assertNull(IpLiteral.parse("localhost"));
        assertNull(IpLiteral.parse("127.0.0.1.attacker.example"));
        assertNull(IpLiteral.parse("[not:an:address:x]"));
    }
}
