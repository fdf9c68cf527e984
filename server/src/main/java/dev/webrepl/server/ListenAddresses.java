package dev.webrepl.server;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The URLs a person opens for a bound listener, as the banner prints them: the bound address, or for
 * a wildcard ({@code 0.0.0.0}, {@code ::}) this machine's real addresses, loopback first, IPv6 in
 * brackets (RFC 5952's short form). Link-local addresses are left out: a browser cannot open them
 * without a zone.
 */
final class ListenAddresses {
    private ListenAddresses() {
    }

    /** {@code scheme://HOST:PORT/} for each address a client can reach {@code bound} at. */
    static List<String> urls(String scheme, InetSocketAddress bound) {
        return urls(scheme, bound, machineAddresses());
    }

    /** As above, with {@code machine} as this machine's addresses (for a wildcard bind). */
    static List<String> urls(String scheme, InetSocketAddress bound, List<InetAddress> machine) {
        InetAddress address = bound.getAddress();
        List<InetAddress> hosts = new ArrayList<>();
        if (address.isAnyLocalAddress()) {
            // An IPv6 wildcard is dual-stack (Java binds --host 0.0.0.0 so too); an IPv4 one takes IPv4 only.
            boolean ipv6Too = address instanceof Inet6Address;
            for (InetAddress a : machine) {
                if (!a.isLinkLocalAddress() && (ipv6Too || a instanceof Inet4Address) && !hosts.contains(a)) {
                    hosts.add(a);
                }
            }
            // Loopback first, then IPv4 before IPv6, otherwise in the interfaces' order.
            hosts.sort(Comparator.comparing((InetAddress a) -> !a.isLoopbackAddress())
                    .thenComparing(a -> a instanceof Inet6Address));
        }
        if (hosts.isEmpty()) {
            hosts.add(address);
        }
        List<String> urls = new ArrayList<>();
        for (InetAddress a : hosts) {
            urls.add(scheme + "://" + urlHost(a) + ":" + bound.getPort() + "/");
        }
        return urls;
    }

    /** An address as a URL's host: dotted IPv4, or bracketed short IPv6 (no zone). */
    static String urlHost(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff;
        }
        int bestStart = -1;
        int bestLength = 1;   // RFC 5952: "::" stands for two or more zero groups, the longest (first) run
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (s.charAt(s.length() - 1) != ':' && s.length() > 1) {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.append(']').toString();
    }

    /** The addresses of this machine's interfaces that are up; empty if they cannot be listed. */
    private static List<InetAddress> machineAddresses() {
        List<InetAddress> all = new ArrayList<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nif.isUp()) {
                    all.addAll(Collections.list(nif.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            return List.of();
        }
        return all;
    }
}
