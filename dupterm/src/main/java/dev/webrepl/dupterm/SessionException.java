package dev.webrepl.dupterm;

/** A terminal could not be attached; {@link #closeCode()} is the WebSocket close code to answer with. */
public final class SessionException extends Exception {
    /** RFC 6455 "try again later": a limit is reached. */
    public static final int TRY_AGAIN_LATER = 1013;
    /** RFC 6455 "policy violation": no such session. */
    public static final int POLICY_VIOLATION = 1008;

    private final int closeCode;
    private final String refusal;

    public SessionException(int closeCode, String message) {
        this(closeCode, message, null);
    }

    /** @param refusal the reason a security limit refused it, for {@code webrepl_connections_refused_total}; or null */
    public SessionException(int closeCode, String message, String refusal) {
        super(message);
        this.closeCode = closeCode;
        this.refusal = refusal;
    }

    public int closeCode() {
        return closeCode;
    }

    /** The security limit that refused the terminal (e.g. {@code per-address-sessions}), if one did. */
    public java.util.Optional<String> refusal() {
        return java.util.Optional.ofNullable(refusal);
    }
}
