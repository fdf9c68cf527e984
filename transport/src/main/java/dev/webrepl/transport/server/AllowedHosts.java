package dev.webrepl.transport.server;

import dev.webrepl.core.net.IpLiteral;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code Host} names this server answers to when a browser asks (README "Security", DNS rebinding).
 * A page on {@code attacker.example} whose name the attacker then points at this machine sends
 * {@code Host: attacker.example} with a matching {@code Origin}, so the Origin rule alone lets it in;
 * the name is what such a page cannot choose, so only names that are ours pass: loopback names
 * ({@code localhost}, 127.0.0.0/8, {@code [::1]}), the bound address (any address of this machine when
 * bound to all), the bound name, and the names the operator allows.
 *
 * <p>Ports: loopback names and this machine's addresses pass with any port (a tunnel or a proxy may
 * change it, and the Origin rule still wants Origin and Host to agree on it); an allowed {@code NAME}
 * passes with any port, {@code NAME:PORT} with that port only. Nothing here resolves a name: an
 * address is only ever parsed from a literal. Immutable, thread-safe.
 */
final class AllowedHosts {
    private static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,63}(\\.[a-z0-9_-]{1,63}){0,126}");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-f:.]{2,45}]");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    /** A Host header's parts: the name (an IPv6 literal keeps its brackets) in lower case, and the port or null. */
    record Authority(String name, String port) {
        /** The address this names if it is an IP literal, else null; never a DNS lookup. */
        InetAddress literal() {
            return IpLiteral.parse(name);
        }
    }

    private final Set<String> anyPort = new HashSet<>();
    private final Set<String> exact = new HashSet<>();
    /** The bound address; null when bound to all (then any address of this machine passes) or to a name. */
    private final InetAddress bound;
    private final boolean boundToAll;

    private AllowedHosts(InetAddress bound, boolean boundToAll) {
        this.bound = bound;
        this.boundToAll = boundToAll;
    }

    /**
     * The names a server bound to {@code bindHost} ({@code --host}: an address, a name, or the
     * wildcard) answers to, plus {@code allowed} ({@code --allowed-host}, checked by {@link #checkEntry}).
     */
    static AllowedHosts of(String bindHost, List<String> allowed) {
        String h = bindHost.trim();
        Authority bind = parse(h.indexOf(':') >= 0 && !h.startsWith("[") ? "[" + h + "]" : h);
        InetAddress literal = bind == null ? null : bind.literal();
        boolean all = h.isEmpty() || literal != null && literal.isAnyLocalAddress();
        AllowedHosts hosts = new AllowedHosts(all ? null : literal, all);
        if (bind != null && literal == null) {
            hosts.anyPort.add(bind.name());
        }
        for (String entry : allowed) {
            Authority a = checkEntry(entry);
            if (a.port() == null) {
                hosts.anyPort.add(a.name());
            } else {
                hosts.exact.add(a.name() + ":" + a.port());
            }
        }
        return hosts;
    }

    /** An {@code --allowed-host} value, parsed; a malformed one (a URL, a path, spaces) is refused. */
    static Authority checkEntry(String entry) {
        Authority a = parse(entry);
        if (a == null) {
            throw new IllegalArgumentException("not a host name or NAME:PORT: '" + entry
                    + "' (e.g. repl.example or repl.example:443; an IPv6 address in brackets)");
        }
        return a;
    }

    /** Whether a request whose {@code Host} header is {@code host} may be answered (null or malformed: no). */
    boolean allows(String host) {
        Authority a = parse(host);
        if (a == null) {
            return false;
        }
        if (a.name().equals("localhost") || anyPort.contains(a.name())
                || a.port() != null && exact.contains(a.name() + ":" + a.port())) {
            return true;
        }
        InetAddress address = a.literal();
        if (address == null) {
            return false;
        }
        if (address.isLoopbackAddress() || address.equals(bound)) {
            return true;
        }
        return boundToAll && isOwn(address);
    }

    /** Whether {@code address} is one of this machine's now (asked at each request: addresses come and go). */
    private static boolean isOwn(InetAddress address) {
        try {
            return !address.isAnyLocalAddress() && NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** {@code host[:port]} as a Host header carries it, lower case, a name's trailing dot dropped; null if malformed. */
    static Authority parse(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        String name;
        String port = null;
        if (v.startsWith("[")) {
            int end = v.indexOf(']');
            if (end < 0) {
                return null;
            }
            name = v.substring(0, end + 1);
            String rest = v.substring(end + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return null;
                }
                port = rest.length() == 1 ? null : rest.substring(1);
            }
            if (!IPV6.matcher(name).matches()) {
                return null;
            }
        } else {
            int colon = v.indexOf(':');
            name = colon < 0 ? v : v.substring(0, colon);
            port = colon < 0 || colon == v.length() - 1 ? null : v.substring(colon + 1);
            if (name.endsWith(".")) {
                name = name.substring(0, name.length() - 1);
            }
            if (!NAME.matcher(name).matches()) {
                return null;
            }
        }
        if (port != null && (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535)) {
            return null;
        }
        return new Authority(name, port);
    }
}
