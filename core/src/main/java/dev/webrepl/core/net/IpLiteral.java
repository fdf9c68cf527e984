package dev.webrepl.core.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The address a {@code Host} header's name spells, if it is an IP literal; never a DNS lookup (the
 * Host checks of both listeners run on event loops, and a name must never be resolved to decide).
 */
public final class IpLiteral {
    private static final Pattern IPV4 = Pattern.compile("([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})");

    private IpLiteral() {
    }

    /**
     * {@code name} as an address: a dotted IPv4 quad (each octet at most 255) or an IPv6 literal in
     * brackets; null for anything else, names included.
     */
    public static InetAddress parse(String name) {
        try {
            if (name.startsWith("[") && name.endsWith("]")) {
                // Brackets make the JDK parse an IPv6 literal or fail; it never resolves such a name.
                return InetAddress.getByName(name);
            }
            Matcher m = IPV4.matcher(name);
            if (!m.matches()) {
                return null;
            }
            // Octets by hand: InetAddress.getByName("300.1.1.1") would fall back to a name lookup.
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(m.group(i + 1));
                if (octet > 255) {
                    return null;
                }
                b[i] = (byte) octet;
            }
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException malformed) {
            return null;
        }
    }
}
