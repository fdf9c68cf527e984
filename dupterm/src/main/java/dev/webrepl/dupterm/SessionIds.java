package dev.webrepl.dupterm;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How one server names its sessions (README "Running several nodes"): 128 random bits in URL-safe
 * base64 without padding (22 characters), and, on a server started with a node name,
 * {@code NODE.RANDOM}: the name, a dot, the random part. A proxy routes {@code /session/NODE.…} to
 * the node that owns the session by that prefix alone; the dot cannot occur in the random part.
 */
public final class SessionIds {
    /** A node name: lower-case letters, digits and '-', 1 to 32 of them (safe in a URL, a label and a regex). */
    public static final Pattern NODE_NAME = Pattern.compile("[a-z0-9-]{1,32}");
    /** Any session id this server family hands out, with or without a node. */
    public static final Pattern ID = Pattern.compile("(?:[a-z0-9-]{1,32}\\.)?[A-Za-z0-9_-]{1,64}");

    private final String node;
    private final SecureRandom random;

    private SessionIds(String node, SecureRandom random) {
        this.node = node;
        this.random = random;
    }

    /** Ids without a node name (a single server). */
    public static SessionIds random(SecureRandom random) {
        return new SessionIds(null, random);
    }

    /**
     * Ids {@code node.RANDOM}.
     *
     * @throws IllegalArgumentException when {@code node} is not a {@link #NODE_NAME}
     */
    public static SessionIds forNode(String node, SecureRandom random) {
        if (node == null || !NODE_NAME.matcher(node).matches()) {
            throw new IllegalArgumentException("node name \"" + node + "\" is not 1 to 32 of a-z, 0-9 and '-'");
        }
        return new SessionIds(node, random);
    }

    /** The node name the ids carry, if any. */
    public Optional<String> node() {
        return Optional.ofNullable(node);
    }

    /** A fresh id (the caller checks it is not taken). */
    public String next() {
        byte[] bits = new byte[16];
        random.nextBytes(bits);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
        return node == null ? id : node + "." + id;
    }

    /** The node named by {@code id}, if it has one. */
    public static Optional<String> nodeOf(String id) {
        int dot = id.indexOf('.');
        return dot > 0 ? Optional.of(id.substring(0, dot)) : Optional.empty();
    }
}
