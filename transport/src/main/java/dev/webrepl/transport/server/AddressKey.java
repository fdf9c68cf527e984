package dev.webrepl.transport.server;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * What the per-address bounds count a client as (README "Security"): an IPv4 address as itself, an
 * IPv6 address as its /64 network, since one IPv6 host is usually given a whole /64 and could
 * otherwise pick a fresh address for every connection, session, file step or login guess.
 */
final class AddressKey {
    private AddressKey() {
    }

    static InetAddress of(InetAddress address) {
        if (!(address instanceof Inet6Address) || address.isLoopbackAddress()) {
            return address;
        }
        byte[] network = Arrays.copyOf(address.getAddress(), 16);
        Arrays.fill(network, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(network);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException("16 bytes are an IPv6 address", impossible);
        }
    }
}
