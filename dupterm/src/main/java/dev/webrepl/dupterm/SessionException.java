package dev.webrepl.dupterm;

/** A terminal could not be attached; {@link #closeCode()} is the WebSocket close code to answer with. */
public final class SessionException extends Exception {
    /** RFC 6455 "try again later": a limit is reached. */
    public static final int TRY_AGAIN_LATER = 1013;
    /** RFC 6455 "policy violation": no such session. */
    public static final int POLICY_VIOLATION = 1008;

    private final int closeCode;

    public SessionException(int closeCode, String message) {
        super(message);
        this.closeCode = closeCode;
    }

    public int closeCode() {
        return closeCode;
    }
}
