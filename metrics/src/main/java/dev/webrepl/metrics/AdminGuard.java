package dev.webrepl.metrics;

import dev.webrepl.core.net.IpLiteral;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides whether the admin listener answers a request at all (issue #15, README "Security"): no
 * web page may use a browser to read or change it. A DNS-rebinding page names its own host in
 * {@code Host}, so the host must be one this listener answers to; a cross-site page's requests carry
 * its {@code Origin}, so a foreign one is refused; and with a token, everything but the open paths
 * needs {@code Authorization: Bearer TOKEN}. State-changing endpoints also need
 * {@link #CONFIRM_HEADER}, which no page can send cross-site without a CORS preflight (never granted).
 */
final class AdminGuard {
    /** The header (value {@code 1}) every state-changing request must carry. */
    static final String CONFIRM_HEADER = "X-Webrepl-Admin";

    private static final Pattern NAME = Pattern.compile("[a-z0-9._-]+");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]+");
    private static final Pattern ORIGIN = Pattern.compile("(https?)://(\\[[0-9a-z:.]+\\]|[a-z0-9._-]+)(:\\d{1,5})?");

    /** Why a request is refused: its status and the one-line reason in the JSON body. */
    record Refusal(HttpResponseStatus status, String reason) {
        static final Refusal HOST = new Refusal(HttpResponseStatus.FORBIDDEN, "host not allowed");
        static final Refusal ORIGIN = new Refusal(HttpResponseStatus.FORBIDDEN, "origin not allowed");
        static final Refusal TOKEN = new Refusal(HttpResponseStatus.UNAUTHORIZED,
                "missing or wrong bearer token (Authorization: Bearer TOKEN)");
    }

    /** A {@code Host} header's (or an allowed-host entry's) name, lower case, brackets off; port -1 if absent. */
    record HostPort(String host, int port) {
        /** Null when {@code value} is not {@code NAME}, {@code NAME:PORT}, {@code [IPV6]} or {@code [IPV6]:PORT}. */
        static HostPort parse(String value) {
            if (value == null) {
                return null;
            }
            String v = value.strip().toLowerCase(Locale.ROOT);
            String host;
            String rest;
            if (v.startsWith("[")) {
                int end = v.indexOf(']');
                if (end < 0) {
                    return null;
                }
                host = v.substring(1, end);
                rest = v.substring(end + 1);
                if (!IPV6.matcher(host).matches()) {
                    return null;
                }
            } else {
                int colon = v.indexOf(':');
                if (colon != v.lastIndexOf(':')) {
                    return null;   // an IPv6 address without brackets is not a valid Host
                }
                host = colon < 0 ? v : v.substring(0, colon);
                rest = colon < 0 ? "" : v.substring(colon);
                if (!NAME.matcher(host).matches()) {
                    return null;
                }
            }
            int port = -1;
            if (!rest.isEmpty()) {
                if (!rest.matches(":\\d{1,5}")) {
                    return null;
                }
                port = Integer.parseInt(rest.substring(1));
                if (port > 65535) {
                    return null;
                }
            }
            return new HostPort(host, port);
        }
    }

    private final String bindHost;
    private final List<HostPort> allowed;
    private final AdminToken token;
    private final boolean secure;

    /**
     * @param bindHost the address the listener was told to bind ({@code --admin-host}); a name there is
     *                 a name it answers to
     * @param secure   whether it serves https://, which its own pages' origin then has
     */
    AdminGuard(String bindHost, AdminAccess access, boolean secure) {
        HostPort bound = HostPort.parse(bindHost);
        this.bindHost = bound == null ? "" : bound.host();
        this.allowed = access.allowedHosts().stream().map(HostPort::parse).toList();
        this.token = access.token();
        this.secure = secure;
    }

    /**
     * The refusal for a request, or null when it may go on.
     *
     * @param hosts         its {@code Host} headers (none for an HTTP/1.0 request without one)
     * @param origins       its {@code Origin} headers
     * @param authorization its {@code Authorization} header, or null
     * @param local         the connection's local address: the address and port the client reached
     * @param open          whether the path is open without a token ({@code /health}, {@code /}, static files)
     */
    Refusal check(List<String> hosts, List<String> origins, String authorization, InetSocketAddress local,
                  boolean open) {
        // No Host at all: not a browser (every browser sends one), e.g. an HTTP/1.0 health check.
        HostPort host = null;
        if (!hosts.isEmpty()) {
            host = hosts.size() == 1 ? HostPort.parse(hosts.get(0)) : null;
            if (host == null || !hostAllowed(host, local)) {
                return Refusal.HOST;
            }
        }
        if (!origins.isEmpty() && (origins.size() > 1 || !ownOrigin(origins.get(0), host))) {
            return Refusal.ORIGIN;
        }
        if (token != null && !open && !token.accepts(authorization)) {
            return Refusal.TOKEN;
        }
        return null;
    }

    /** Whether a state-changing request says it is one, with a header no page can send cross-site. */
    static boolean confirmed(String header) {
        return "1".equals(header == null ? null : header.strip());
    }

    private boolean hostAllowed(HostPort h, InetSocketAddress local) {
        for (HostPort a : allowed) {
            if (a.host().equals(h.host()) && (a.port() < 0 || a.port() == h.port())) {
                return true;
            }
        }
        // Loopback names, the bind name and IP literals only on this listener's own port (or none given).
        if (h.port() >= 0 && h.port() != local.getPort()) {
            return false;
        }
        if (h.host().equals("localhost") || h.host().equals(bindHost)) {
            return true;
        }
        InetAddress ip = literal(h.host());
        // An address literal cannot be rebound: loopback, or exactly the address the client reached.
        return ip != null && (ip.isLoopbackAddress() || ip.equals(local.getAddress()));
    }

    /** The address an IP literal names; null for a name (never a DNS lookup: this runs on the event loop). */
    private static InetAddress literal(String host) {
        return IpLiteral.parse(host.contains(":") ? "[" + host + "]" : host);
    }

    /** Whether {@code origin} is this listener's own, as the request's (allowed) Host names it. */
    private boolean ownOrigin(String origin, HostPort host) {
        if (host == null) {
            return false;
        }
        Matcher m = ORIGIN.matcher(origin.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return false;   // "null" (sandboxed frames, file: pages) and anything odd
        }
        String scheme = m.group(1);
        if (!scheme.equals(secure ? "https" : "http")) {
            return false;
        }
        String name = m.group(2).startsWith("[") ? m.group(2).substring(1, m.group(2).length() - 1) : m.group(2);
        int defaultPort = secure ? 443 : 80;
        int originPort = m.group(3) == null ? defaultPort : Integer.parseInt(m.group(3).substring(1));
        int hostPort = host.port() < 0 ? defaultPort : host.port();
        return name.equals(host.host()) && originPort == hostPort;
    }
}
