package dev.webrepl.loadtest.generator;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Local addresses to connect from, used round-robin: {@code 127.0.0.2-127.0.0.9} (IPv4, inclusive)
 * or a single address. Each source address has its own ephemeral ports (about 28k on Linux), so a
 * range lets more connections reach one server port than a single address could.
 */
public record SourceRange(List<InetAddress> addresses) {
    /** More addresses than this are never needed: fd limits end a run long before. */
    static final int MAX_ADDRESSES = 256;

    public SourceRange {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("an empty source range");
        }
        addresses = List.copyOf(addresses);
    }

    public static SourceRange parse(String text) {
        String[] ends = text.trim().split("-", -1);
        if (ends.length > 2) {
            throw new IllegalArgumentException("not a source range: " + text + " (e.g. 127.0.0.2-127.0.0.9)");
        }
        InetAddress first = literal(ends[0]);
        if (ends.length == 1) {
            return new SourceRange(List.of(first));
        }
        InetAddress last = literal(ends[1]);
        if (first.getAddress().length != 4 || last.getAddress().length != 4) {
            throw new IllegalArgumentException("a source range is of IPv4 addresses: " + text);
        }
        long from = toLong(first);
        long to = toLong(last);
        if (to < from || to - from >= MAX_ADDRESSES) {
            throw new IllegalArgumentException("a source range runs upwards over at most " + MAX_ADDRESSES
                    + " addresses: " + text);
        }
        List<InetAddress> all = new ArrayList<>();
        for (long a = from; a <= to; a++) {
            byte[] b = {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
            try {
                all.add(InetAddress.getByAddress(b));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);  // four bytes are always an address
            }
        }
        return new SourceRange(all);
    }

    /** The address for the {@code n}-th connection. */
    public InetAddress pick(long n) {
        return addresses.get((int) Math.floorMod(n, (long) addresses.size()));
    }

    public boolean allLoopback() {
        return addresses.stream().allMatch(InetAddress::isLoopbackAddress);
    }

    @Override
    public String toString() {
        String first = addresses.get(0).getHostAddress();
        return addresses.size() == 1 ? first : first + "-" + addresses.get(addresses.size() - 1).getHostAddress();
    }

    private static InetAddress literal(String s) {
        String t = s.trim();
        // Literals only: a source range never needs a name lookup.
        if (!t.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            throw new IllegalArgumentException("not an IP address: " + s);
        }
        try {
            return InetAddress.getByName(t);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + s, e);
        }
    }

    private static long toLong(InetAddress a) {
        byte[] b = a.getAddress();
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }
}
