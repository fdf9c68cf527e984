package dev.webrepl.server;

import dev.webrepl.transport.client.WebReplClient;

/**
 * A server address with an optional remote path, as the CLI takes it: {@code HOST[:PORT]} or
 * {@code HOST[:PORT]:/REMOTE} (webrepl_cli's syntax). The path keeps its leading {@code /}, as
 * webrepl_cli sends it (spec reference transcript stock-poll-08).
 *
 * @param path the remote path, or null when none was given
 */
record RemoteTarget(String host, int port, String path) {
    static RemoteTarget parse(String spec, boolean pathRequired) {
        return parse(spec, pathRequired, false);
    }

    /** {@code HOST[:PORT]:/PATH} where the path may be the root {@code /} itself (ls, get -r, put -r). */
    static RemoteTarget parseDirectory(String spec) {
        return parse(spec, true, true);
    }

    private static RemoteTarget parse(String spec, boolean pathRequired, boolean rootAllowed) {
        String hostPort = spec;
        String path = null;
        int colonSlash = spec.indexOf(":/");
        if (colonSlash >= 0) {
            hostPort = spec.substring(0, colonSlash);
            path = spec.substring(colonSlash + 1);
        }
        if (pathRequired && (path == null || path.length() < (rootAllowed ? 1 : 2))) {
            throw new IllegalArgumentException("expected HOST[:PORT]:/REMOTE, got '" + spec + "'");
        }
        if (!pathRequired && path != null) {
            throw new IllegalArgumentException("expected HOST[:PORT], got '" + spec + "'");
        }
        String host = hostPort;
        int port = WebReplClient.DEFAULT_PORT;
        int colon = hostPort.lastIndexOf(':');
        if (colon >= 0) {
            host = hostPort.substring(0, colon);
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in '" + spec + "'");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range in '" + spec + "'");
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("no host in '" + spec + "'");
        }
        return new RemoteTarget(host, port, path);
    }

    /** {@code HOST:PORT}, or {@code HOST:PORT:/REMOTE}. */
    @Override
    public String toString() {
        return host + ":" + port + (path == null ? "" : ":" + path);
    }
}
