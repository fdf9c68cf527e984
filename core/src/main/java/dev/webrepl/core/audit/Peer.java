package dev.webrepl.core.audit;

/**
 * Who did something and from where, as audit events and recordings name them (DESIGN "Tenancy":
 * identity flows down as a value).
 *
 * @param user    the login's user name; null on a server without users (one password), the only
 *                kind today: with a users file the login's {@code NAME} goes here
 * @param address the client's IP address as text, or null when not known (an embedder's session)
 */
public record Peer(String user, String address) {
    /** Nobody in particular: no user, no address. */
    public static final Peer NONE = new Peer(null, null);
}
