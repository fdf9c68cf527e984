package dev.webrepl.server;

import dev.webrepl.transport.client.WebReplClient;

/**
 * A server address with an optional remote path, as every client command takes it (issue 17 item
 * 13): {@code HOST[:PORT]} or {@code HOST[:PORT]:/REMOTE} (webrepl_cli's syntax; an IPv6 host in
 * brackets, {@code [::1]:8266:/x}), or a URL {@code ws://HOST[:PORT]/REMOTE} / {@code wss://...}
 * (TLS; a URL without a port has its scheme's, 80 or 443). Where a directory is meant, no path is the
 * root. The path keeps its leading {@code /}, as webrepl_cli sends it (spec reference transcript
 * stock-poll-08).
 *
 * @param path   the remote path, or null when none was given
 * @param secure whether the address asks for TLS ({@code wss://})
 */
record RemoteTarget(String host, int port, String path, boolean secure) {
    RemoteTarget(String host, int port, String path) {
        this(host, port, path, false);
    }

    static RemoteTarget parse(String spec, boolean pathRequired) {
        return parse(spec, pathRequired, false);
    }

    /** A directory (or file): {@code HOST[:PORT]:/PATH}, the root {@code /} itself, or no path for the root. */
    static RemoteTarget parseDirectory(String spec) {
        return parse(spec, true, true);
    }

    /**
     * What {@code repl} takes: a server ({@code HOST[:PORT]}, {@code ws://HOST[:PORT]/}) for a new
     * session, or a session on it, {@code HOST[:PORT]/session/ID} or {@code ws://HOST[:PORT]/session/ID}
     * (issue 17 item 12); the session's path ({@code /session/ID}) is the target's {@link #path}.
     */
    static RemoteTarget parseSession(String spec) {
        String lower = spec.toLowerCase(java.util.Locale.ROOT);
        boolean url = lower.startsWith("ws://") || lower.startsWith("wss://");
        int from = url ? lower.indexOf("://") + 3 : spec.startsWith("[") ? Math.max(0, spec.indexOf(']')) : 0;
        int slash = spec.indexOf('/', from);
        if (slash < 0 || (url && slash == spec.length() - 1)) {
            return parse(spec, false);  // a new session
        }
        String path = spec.substring(slash);
        if (!SESSION_PATH.matcher(path).matches() || spec.charAt(slash - 1) == ':') {
            throw new IllegalArgumentException("expected HOST[:PORT] or HOST[:PORT]/session/ID, got '" + spec + "'");
        }
        RemoteTarget server = parse(spec.substring(0, slash) + (url ? "/" : ""), false);
        return new RemoteTarget(server.host, server.port, path, server.secure);
    }

    /** A session's path, as the server takes it (WebReplServer.SESSION_PATH). */
    private static final java.util.regex.Pattern SESSION_PATH =
            java.util.regex.Pattern.compile("/session/" + dev.webrepl.dupterm.SessionIds.ID.pattern());

    /** This target with another remote path (a file under a directory target). */
    RemoteTarget at(String remotePath) {
        return new RemoteTarget(host, port, remotePath, secure);
    }

    /** The server as a WebSocket URL ({@code ws://HOST:PORT/}, {@code wss://} when secure). */
    java.net.URI serverUri() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return java.net.URI.create((secure ? "wss://" : "ws://") + h + ":" + port + "/");
    }

    private static RemoteTarget parse(String spec, boolean pathRequired, boolean rootAllowed) {
        String lower = spec.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("ws://") || lower.startsWith("wss://")) {
            return parseUrl(spec, pathRequired, rootAllowed);
        }
        String hostPort = spec;
        String path = null;
        int colonSlash = spec.indexOf(":/", spec.startsWith("[") ? Math.max(0, spec.indexOf(']')) : 0);
        if (colonSlash >= 0) {
            hostPort = spec.substring(0, colonSlash);
            path = spec.substring(colonSlash + 1);
        }
        String host = hostPort;
        int port = WebReplClient.DEFAULT_PORT;
        int colon = hostPort.lastIndexOf(':');
        boolean bracketed = hostPort.startsWith("[");
        if (bracketed) {
            int close = hostPort.indexOf(']');
            if (close < 0 || (close + 1 < hostPort.length() && hostPort.charAt(close + 1) != ':')) {
                throw new IllegalArgumentException("bad IPv6 address in '" + spec + "' (write [ADDRESS]:PORT)");
            }
            host = hostPort.substring(1, close);
            colon = close + 1 < hostPort.length() ? close + 1 : -1;
        } else if (colon >= 0 && hostPort.indexOf(':') != colon) {
            throw new IllegalArgumentException("an IPv6 address needs brackets: '[ADDRESS]:PORT', got '" + spec + "'");
        }
        if (colon >= 0) {
            if (!bracketed) {
                host = hostPort.substring(0, colon);
            }
            port = port(hostPort.substring(colon + 1), spec);
        }
        return checked(spec, host, port, path, false, pathRequired, rootAllowed);
    }

    private static RemoteTarget parseUrl(String spec, boolean pathRequired, boolean rootAllowed) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(spec);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: '" + spec + "'");
        }
        boolean secure = uri.getScheme().equalsIgnoreCase("wss");
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in '" + spec + "'");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("a query or fragment is not a remote path: '" + spec + "'");
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        int port = uri.getPort() < 0 ? (secure ? 443 : 80) : uri.getPort();
        String path = uri.getPath() == null || uri.getPath().isEmpty() ? null : uri.getPath();
        if (!pathRequired && "/".equals(path)) {
            path = null;  // ws://HOST:PORT/ names the server
        }
        return checked(spec, host, port, path, secure, pathRequired, rootAllowed);
    }

    private static int port(String digits, String spec) {
        int port;
        try {
            port = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + spec + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range in '" + spec + "'");
        }
        return port;
    }

    private static RemoteTarget checked(String spec, String host, int port, String path, boolean secure,
                                        boolean pathRequired, boolean rootAllowed) {
        if (path == null && rootAllowed) {
            path = "/";  // a directory command without a path: the root
        }
        if (pathRequired && (path == null || path.length() < (rootAllowed ? 1 : 2))) {
            throw new IllegalArgumentException("expected HOST[:PORT]:/REMOTE or ws://HOST[:PORT]/REMOTE, got '" + spec + "'");
        }
        if (!pathRequired && path != null) {
            throw new IllegalArgumentException("expected HOST[:PORT] or ws://HOST[:PORT]/, got '" + spec + "'");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("no host in '" + spec + "'");
        }
        return new RemoteTarget(host, port, path, secure);
    }

    /** {@code HOST:PORT}, or {@code HOST:PORT:/REMOTE} (an IPv6 host in brackets). */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port + (path == null ? "" : ":" + path);
    }
}
